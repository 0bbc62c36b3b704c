/// True and predicted values of a regression test set.
public struct RegressionData: Sendable, Equatable {
    public let yTrue: [Double]
    public let yPred: [Double]

    public init(yTrue: [Double], yPred: [Double]) throws(MetricError) {
        guard !yTrue.isEmpty else { throw MetricError(.emptyInput, "no rows to evaluate") }
        guard yTrue.count == yPred.count else {
            throw MetricError(
                .lengthMismatch, "\(yTrue.count) true values but \(yPred.count) predicted values")
        }
        for (name, ys) in [("y_true", yTrue), ("y_pred", yPred)] {
            if let bad = ys.first(where: { !$0.isFinite }) {
                throw MetricError(.nonFiniteValue, "\(name) holds \(bad)")
            }
        }
        self.yTrue = yTrue
        self.yPred = yPred
    }

    public var rowCount: Int { yTrue.count }
}

/// Regression metrics with scikit-learn's definitions (1.9), `force_finite=True`.
public enum RegressionMetrics {
    public static func meanSquaredError(_ data: RegressionData) -> Double {
        var sum = 0.0
        for i in 0..<data.rowCount {
            let d = data.yTrue[i] - data.yPred[i]
            sum += d * d
        }
        return sum / Double(data.rowCount)
    }

    public static func rootMeanSquaredError(_ data: RegressionData) -> Double {
        meanSquaredError(data).squareRoot()
    }

    public static func meanAbsoluteError(_ data: RegressionData) -> Double {
        var sum = 0.0
        for i in 0..<data.rowCount { sum += abs(data.yTrue[i] - data.yPred[i]) }
        return sum / Double(data.rowCount)
    }

    /// Mean of |y − ŷ| / max(|y|, eps), eps = `Double.ulpOfOne`: a fraction, not a
    /// percentage, and huge rather than infinite when y is 0.
    public static func meanAbsolutePercentageError(_ data: RegressionData) -> Double {
        var sum = 0.0
        for i in 0..<data.rowCount {
            sum += abs(data.yTrue[i] - data.yPred[i]) / max(abs(data.yTrue[i]), Double.ulpOfOne)
        }
        return sum / Double(data.rowCount)
    }

    /// 1 − SS_res / SS_tot. With a constant `y_true` it is 1.0 for a perfect prediction
    /// and 0.0 otherwise; with one row it is undefined (scikit-learn gives NaN).
    public static func r2(_ data: RegressionData) throws(MetricError) -> Double {
        guard data.rowCount >= 2 else {
            throw MetricError(
                .undefinedMetric, metric: "r2", "R² is not well-defined with fewer than two rows")
        }
        let mean = data.yTrue.reduce(0, +) / Double(data.rowCount)
        var residual = 0.0, total = 0.0
        for i in 0..<data.rowCount {
            let d = data.yTrue[i] - data.yPred[i]
            let t = data.yTrue[i] - mean
            residual += d * d
            total += t * t
        }
        return finiteRatioScore(numerator: residual, denominator: total)
    }

    /// 1 − Var(y − ŷ) / Var(y), with the same constant-`y_true` rule as r2.
    public static func explainedVariance(_ data: RegressionData) -> Double {
        let n = Double(data.rowCount)
        let mean = data.yTrue.reduce(0, +) / n
        var diffMean = 0.0
        for i in 0..<data.rowCount { diffMean += data.yTrue[i] - data.yPred[i] }
        diffMean /= n
        var numerator = 0.0, denominator = 0.0
        for i in 0..<data.rowCount {
            let d = data.yTrue[i] - data.yPred[i] - diffMean
            let t = data.yTrue[i] - mean
            numerator += d * d
            denominator += t * t
        }
        return finiteRatioScore(numerator: numerator / n, denominator: denominator / n)
    }

    private static func finiteRatioScore(numerator: Double, denominator: Double) -> Double {
        if denominator == 0 { return numerator == 0 ? 1 : 0 }
        return 1 - numerator / denominator
    }
}
