// The lasso, matching scikit-learn's `Lasso(alpha=…, max_iter=…, tol=…)`: minimises
//     1/(2n) · ‖y − Xw − b‖² + alpha · ‖w‖₁
// by cyclic coordinate descent on centred features and target (scikit-learn's
// `enet_coordinate_descent`, in its n-scaled form ½‖R‖² + alpha·n·‖w‖₁). After a sweep whose
// largest coefficient change is at most tol × the largest coefficient, the duality gap is
// computed; the fit stops when it is at most tol · ‖y − ȳ‖². Reaching maxIterations is not
// an error (scikit-learn warns); `converged` says whether the gap test passed.
//
// Hyperparameters (scikit-learn's defaults): alpha = 1.0 (≥ 0, finite), maxIterations =
// 1000 (≥ 1), tolerance = 1e-4 (≥ 0), fitIntercept = true.
// Feature importances: |coefficients| normalised to sum to 1; nil when all are zero.

public struct LassoRegression: Regressor {
    public struct Configuration: Sendable, Equatable {
        /// L1 penalty strength, ≥ 0. Default 1.0.
        public var alpha: Double
        /// Most coordinate-descent sweeps, ≥ 1. Default 1000.
        public var maxIterations: Int
        /// Duality-gap tolerance relative to ‖y − ȳ‖², ≥ 0. Default 1e-4.
        public var tolerance: Double
        /// Fit an unpenalised intercept. Default true.
        public var fitIntercept: Bool

        public init(alpha: Double = 1.0, maxIterations: Int = 1000, tolerance: Double = 1e-4, fitIntercept: Bool = true) {
            self.alpha = alpha
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.fitIntercept = fitIntercept
        }

        public func validate() throws(ModelError) {
            try HyperparameterCheck.nonNegative(alpha, "alpha")
            try HyperparameterCheck.atLeast(maxIterations, 1, "max_iter")
            try HyperparameterCheck.nonNegative(tolerance, "tol")
        }
    }

    public var configuration: Configuration
    public private(set) var coefficients: [Double] = []
    public private(set) var intercept = 0.0
    public private(set) var iterationCount = 0
    public private(set) var converged = false
    /// The last duality gap computed (in scikit-learn's n-scaled units).
    public private(set) var dualityGap = Double.infinity

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? {
        coefficients.isEmpty ? nil : LinearImportances.fromCoefficients(coefficients, outputs: 1, features: coefficients.count)
    }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Double], control: FitControl) throws(ModelError) {
        try configuration.validate()
        try ModelInputCheck.regression(x, y)
        let n = x.rows, d = x.columns
        let means = configuration.fitIntercept ? DenseKernels.columnMeans(x) : [Double](repeating: 0, count: d)
        let yMean = configuration.fitIntercept ? y.reduce(0, +) / Double(n) : 0
        // Column-major centred features: each coordinate step reads one contiguous column.
        var columns = [Double](repeating: 0, count: n * d)
        for row in 0 ..< n {
            for j in 0 ..< d { columns[j * n + row] = x.values[row * d + j] - means[j] }
        }
        let target = y.map { $0 - yMean }
        var residual = target
        var weights = [Double](repeating: 0, count: d)
        let alpha = configuration.alpha * Double(n)
        var columnNorms = [Double](repeating: 0, count: d)
        var targetNorm = 0.0
        columns.withUnsafeBufferPointer { columns in
            for j in 0 ..< d { columnNorms[j] = DenseKernels.dot(columns.baseAddress! + j * n, columns.baseAddress! + j * n, n) }
        }
        for value in target { targetNorm += value * value }
        let gapTolerance = configuration.tolerance * targetNorm

        var iterations = 0
        var converged = false
        var gap = Self.dualityGap(columns: columns, target: target, residual: residual, weights: weights, alpha: alpha, n: n, d: d)
        if gap <= gapTolerance { converged = true }
        while !converged, iterations < configuration.maxIterations {
            try control.checkCancellation()
            control.progress(Double(iterations) / Double(configuration.maxIterations))
            iterations += 1
            var largestWeight = 0.0, largestChange = 0.0
            columns.withUnsafeBufferPointer { columns in
                residual.withUnsafeMutableBufferPointer { residual in
                    for j in 0 ..< d where columnNorms[j] != 0 {
                        let column = columns.baseAddress! + j * n
                        let old = weights[j]
                        let correlation = DenseKernels.dot(column, residual.baseAddress!, n) + old * columnNorms[j]
                        let updated = (correlation < 0 ? -1.0 : 1.0) * max(abs(correlation) - alpha, 0) / columnNorms[j]
                        weights[j] = updated
                        if updated != old {
                            let step = old - updated
                            for i in 0 ..< n { residual[i] += step * column[i] }
                        }
                        largestChange = max(largestChange, abs(updated - old))
                        largestWeight = max(largestWeight, abs(updated))
                    }
                }
            }
            if largestWeight == 0 || largestChange / largestWeight <= configuration.tolerance || iterations == configuration.maxIterations {
                gap = Self.dualityGap(columns: columns, target: target, residual: residual, weights: weights, alpha: alpha, n: n, d: d)
                if gap <= gapTolerance { converged = true }
            }
        }
        coefficients = weights
        intercept = yMean
        for j in 0 ..< d { intercept -= weights[j] * means[j] }
        iterationCount = iterations
        self.converged = converged
        dualityGap = gap
        control.progress(1)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        try LeastSquares.predict(x, coefficients: coefficients, intercept: intercept)
    }

    /// scikit-learn's `gap_enet` with no L2 part: formulation A for alpha > 0, and the
    /// first-order condition ‖XᵀR‖² for alpha = 0.
    private static func dualityGap(columns: [Double], target: [Double], residual: [Double], weights: [Double], alpha: Double, n: Int, d: Int) -> Double {
        var correlations = [Double](repeating: 0, count: d)
        var residualNorm = 0.0, residualTarget = 0.0
        columns.withUnsafeBufferPointer { columns in
            residual.withUnsafeBufferPointer { residual in
                for j in 0 ..< d { correlations[j] = DenseKernels.dot(columns.baseAddress! + j * n, residual.baseAddress!, n) }
                residualNorm = DenseKernels.dot(residual.baseAddress!, residual.baseAddress!, n)
                target.withUnsafeBufferPointer { residualTarget = DenseKernels.dot(residual.baseAddress!, $0.baseAddress!, n) }
            }
        }
        if alpha == 0 { return correlations.reduce(0) { $0 + $1 * $1 } }
        let dualNorm = correlations.reduce(0) { max($0, abs($1)) }
        let l1 = weights.reduce(0) { $0 + abs($1) }
        let primal = 0.5 * residualNorm + alpha * l1
        let scale = dualNorm > alpha ? alpha / dualNorm : 1
        let dual = -0.5 * scale * scale * residualNorm + scale * residualTarget
        return primal - dual
    }
}
