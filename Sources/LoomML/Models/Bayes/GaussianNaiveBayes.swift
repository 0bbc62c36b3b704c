// Gaussian naive Bayes, matching scikit-learn's `GaussianNB(var_smoothing=…)`: each class
// has a prior (its share of the training rows), and per feature a mean and a (population)
// variance; every variance gets ε = varSmoothing × the largest feature variance over all
// rows added, for stability. A row's class log-likelihood is
//     log prior − ½ Σⱼ [log(2π σ²ⱼ) + (xⱼ − μⱼ)² / σ²ⱼ],
// and probabilities are its softmax. A class with no training rows has prior 0 and is
// never predicted. Hyperparameters: varSmoothing = 1e-9 (≥ 0, finite).
// Feature importances: nil (the model has no single per-feature weight).
import Foundation

public struct GaussianNaiveBayes: Classifier {
    public struct Configuration: Sendable, Equatable {
        /// Share of the largest feature variance added to every variance, ≥ 0. Default 1e-9.
        public var varSmoothing: Double

        public init(varSmoothing: Double = 1e-9) {
            self.varSmoothing = varSmoothing
        }

        public func validate() throws(ModelError) {
            try HyperparameterCheck.nonNegative(varSmoothing, "var_smoothing")
        }
    }

    public var configuration: Configuration
    /// Row-major `classCount × features`.
    public private(set) var means: [Double] = []
    /// Row-major `classCount × features`, smoothing included.
    public private(set) var variances: [Double] = []
    public private(set) var priors: [Double] = []
    private var featureCount: Int?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? { nil }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, control: FitControl) throws(ModelError) {
        try configuration.validate()
        try ModelInputCheck.classification(x, y, classCount: classCount)
        try control.checkCancellation()
        let n = x.rows, d = x.columns
        var counts = [Int](repeating: 0, count: classCount)
        var sums = [Double](repeating: 0, count: classCount * d)
        var squares = [Double](repeating: 0, count: classCount * d)
        var overallSquares = [Double](repeating: 0, count: d)
        let overallMeans = DenseKernels.columnMeans(x)
        x.values.withUnsafeBufferPointer { values in
            sums.withUnsafeMutableBufferPointer { sums in
                for row in 0 ..< n {
                    let label = y[row]
                    counts[label] += 1
                    let base = row * d, target = label * d
                    for j in 0 ..< d { sums[target + j] += values[base + j] }
                }
            }
        }
        for c in 0 ..< classCount where counts[c] > 0 {
            for j in 0 ..< d { sums[c * d + j] /= Double(counts[c]) }
        }
        try control.checkCancellation()
        control.progress(0.5)
        // Second pass: squared deviations from the class means (two passes keep precision).
        x.values.withUnsafeBufferPointer { values in
            sums.withUnsafeBufferPointer { classMeans in
                squares.withUnsafeMutableBufferPointer { squares in
                    for row in 0 ..< n {
                        let base = row * d, target = y[row] * d
                        for j in 0 ..< d {
                            let deviation = values[base + j] - classMeans[target + j]
                            squares[target + j] += deviation * deviation
                            let overall = values[base + j] - overallMeans[j]
                            overallSquares[j] += overall * overall
                        }
                    }
                }
            }
        }
        // A floor keeps a constant feature's variance positive when smoothing is 0 or every
        // feature is constant (scikit-learn divides by zero there).
        let epsilon = max(configuration.varSmoothing * (overallSquares.max() ?? 0) / Double(n), .leastNormalMagnitude)
        var variances = [Double](repeating: epsilon, count: classCount * d)
        for c in 0 ..< classCount where counts[c] > 0 {
            for j in 0 ..< d { variances[c * d + j] = squares[c * d + j] / Double(counts[c]) + epsilon }
        }
        means = sums
        self.variances = variances
        priors = counts.map { Double($0) / Double(n) }
        featureCount = d
        control.progress(1)
    }

    /// Row-major `rows × classCount` joint log-likelihoods (−∞ for classes with prior 0).
    public func jointLogLikelihood(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        let d = try ModelInputCheck.prediction(x, fittedColumns: featureCount)
        let classCount = priors.count
        var constants = [Double](repeating: 0, count: classCount)
        let inverseVariances = variances.map { 1 / $0 }
        for c in 0 ..< classCount {
            var sum = 0.0
            for j in 0 ..< d { sum += log(2 * Double.pi * variances[c * d + j]) }
            constants[c] = log(priors[c]) - 0.5 * sum
        }
        var result = [Double](repeating: 0, count: x.rows * classCount)
        x.values.withUnsafeBufferPointer { values in
            means.withUnsafeBufferPointer { means in
                inverseVariances.withUnsafeBufferPointer { inverse in
                    for row in 0 ..< x.rows {
                        let base = row * d
                        for c in 0 ..< classCount {
                            var sum = 0.0
                            for j in 0 ..< d {
                                let deviation = values[base + j] - means[c * d + j]
                                sum += deviation * deviation * inverse[c * d + j]
                            }
                            result[row * classCount + c] = priors[c] > 0 ? constants[c] - 0.5 * sum : -.infinity
                        }
                    }
                }
            }
        }
        return result
    }

    public func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        Softmax.rows(try jointLogLikelihood(x), columns: priors.count)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int] {
        Softmax.argmaxRows(try jointLogLikelihood(x), columns: priors.count)
    }
}
