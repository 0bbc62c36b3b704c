// Logistic regression, matching scikit-learn's `LogisticRegression(solver="lbfgs")` with an
// L2 penalty: it minimises
//     (1/n) Σᵢ log-loss(yᵢ, xᵢ) + 1/(2·C·n) · ‖W‖²
// (scikit-learn's scaling of Σ log-loss + ‖W‖²/(2C); the same minimiser), intercepts not
// penalised. Two classes fit one coefficient vector (the sigmoid of class 1 against
// class 0), as scikit-learn does; more classes fit the multinomial (softmax) model with
// one vector per class. The optimiser is our own L-BFGS (`LBFGS.swift`).
//
// Hyperparameters (scikit-learn's defaults): C = 1.0 (> 0), maxIterations = 100 (≥ 1),
// tolerance = 1e-4 (> 0; the largest gradient component at which the fit stops),
// fitIntercept = true. Reaching maxIterations is not an error (scikit-learn warns);
// `converged` says whether it happened.
// Feature importances: |coefficients| summed over classes, normalised to sum to 1.
import Foundation

public struct LogisticRegression: Classifier {
    public struct Configuration: Sendable, Equatable {
        /// Inverse regularisation strength, > 0. Default 1.0.
        public var C: Double
        /// Most L-BFGS iterations, ≥ 1. Default 100.
        public var maxIterations: Int
        /// Stop when the largest gradient component is at most this, > 0. Default 1e-4.
        public var tolerance: Double
        /// Fit unpenalised intercepts. Default true.
        public var fitIntercept: Bool

        public init(C: Double = 1.0, maxIterations: Int = 100, tolerance: Double = 1e-4, fitIntercept: Bool = true) {
            self.C = C
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.fitIntercept = fitIntercept
        }

        public func validate() throws(ModelError) {
            try HyperparameterCheck.positive(C, "C")
            try HyperparameterCheck.atLeast(maxIterations, 1, "max_iter")
            try HyperparameterCheck.positive(tolerance, "tol")
        }
    }

    public var configuration: Configuration
    /// Row-major `outputs × features`: one row when there are two classes, else one per class.
    public private(set) var coefficients: [Double] = []
    /// One per output row of `coefficients` (zeros without an intercept).
    public private(set) var intercepts: [Double] = []
    public private(set) var classCount = 0
    public private(set) var iterationCount = 0
    public private(set) var converged = false
    private var featureCount: Int?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? {
        guard let featureCount else { return nil }
        return LinearImportances.fromCoefficients(coefficients, outputs: intercepts.count, features: featureCount)
    }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, control: FitControl) throws(ModelError) {
        try configuration.validate()
        try ModelInputCheck.classification(x, y, classCount: classCount)
        guard Set(y).count >= 2 else {
            throw ModelError(.invalidInput, "logistic regression needs rows of at least 2 classes, got only class \(y[0])")
        }
        let d = x.columns
        let outputs = classCount == 2 ? 1 : classCount
        let objective = LogisticObjective(x: x, y: y, outputs: outputs, C: configuration.C, fitIntercept: configuration.fitIntercept)
        let minimizer = LBFGSMinimizer(maxIterations: configuration.maxIterations, gradientTolerance: configuration.tolerance)
        let parameterCount = outputs * (d + 1)
        let result = try minimizer.minimize(start: [Double](repeating: 0, count: parameterCount), control: control) { parameters, gradient in
            objective.evaluate(parameters, gradient)
        }
        coefficients = Array(result.parameters[0 ..< outputs * d])
        intercepts = Array(result.parameters[(outputs * d)...])
        self.classCount = classCount
        iterationCount = result.iterations
        converged = result.converged
        featureCount = d
        control.progress(1)
    }

    /// Row-major `rows × outputs` scores xᵢ·w + b.
    public func decisionFunction(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        let d = try ModelInputCheck.prediction(x, fittedColumns: featureCount)
        let outputs = intercepts.count
        var scores = [Double](repeating: 0, count: x.rows * outputs)
        x.values.withUnsafeBufferPointer { values in
            coefficients.withUnsafeBufferPointer { weights in
                scores.withUnsafeMutableBufferPointer { scores in
                    for row in 0 ..< x.rows {
                        for output in 0 ..< outputs {
                            scores[row * outputs + output] = intercepts[output]
                                + DenseKernels.dot(values.baseAddress! + row * d, weights.baseAddress! + output * d, d)
                        }
                    }
                }
            }
        }
        return scores
    }

    public func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        let scores = try decisionFunction(x)
        if intercepts.count == 1 {
            var probabilities = [Double](repeating: 0, count: x.rows * 2)
            for row in 0 ..< x.rows {
                let positive = LogisticObjective.sigmoid(scores[row])
                probabilities[row * 2] = 1 - positive
                probabilities[row * 2 + 1] = positive
            }
            return probabilities
        }
        return Softmax.rows(scores, columns: classCount)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int] {
        let scores = try decisionFunction(x)
        if intercepts.count == 1 { return scores.map { $0 > 0 ? 1 : 0 } }
        return Softmax.argmaxRows(scores, columns: classCount)
    }
}

enum Softmax {
    static func rows(_ scores: [Double], columns: Int) -> [Double] {
        var probabilities = scores
        let rows = scores.count / max(columns, 1)
        for row in 0 ..< rows {
            let base = row * columns
            var largest = -Double.infinity
            for k in 0 ..< columns { largest = max(largest, scores[base + k]) }
            guard largest.isFinite else {
                // Every score −∞ (or one +∞): no usable evidence; spread the mass evenly.
                for k in 0 ..< columns { probabilities[base + k] = 1 / Double(columns) }
                continue
            }
            var total = 0.0
            for k in 0 ..< columns {
                let e = exp(scores[base + k] - largest)
                probabilities[base + k] = e
                total += e
            }
            for k in 0 ..< columns { probabilities[base + k] /= total }
        }
        return probabilities
    }

    /// The first column holding each row's largest value (scikit-learn's `argmax`).
    static func argmaxRows(_ scores: [Double], columns: Int) -> [Int] {
        let rows = scores.count / max(columns, 1)
        return (0 ..< rows).map { row in
            var best = 0
            for k in 1 ..< max(columns, 1) where scores[row * columns + k] > scores[row * columns + best] { best = k }
            return best
        }
    }
}

/// The penalised mean log-loss and its gradient, over a column-major copy of the features
/// so the score and gradient loops run over contiguous memory in blocks of rows, on both
/// cores. Parameters: `outputs × d` coefficients then `outputs` intercepts.
struct LogisticObjective {
    let columns: [Double]  // column-major d × n
    let labels: [Int]
    let n: Int
    let d: Int
    let outputs: Int
    let penalty: Double  // 1 / (C n)
    let fitIntercept: Bool
    let chunks: [Range<Int>]

    init(x: FeatureMatrixView, y: [Int], outputs: Int, C: Double, fitIntercept: Bool) {
        let n = x.rows, d = x.columns
        self.n = n
        self.d = d
        var transposed = [Double](repeating: 0, count: n * d)
        x.values.withUnsafeBufferPointer { values in
            transposed.withUnsafeMutableBufferPointer { transposed in
                for row in 0 ..< n {
                    for column in 0 ..< d { transposed[column * n + row] = values[row * d + column] }
                }
            }
        }
        columns = transposed
        labels = y
        self.outputs = outputs
        penalty = 1 / (C * Double(n))
        self.fitIntercept = fitIntercept
        chunks = RowParallel.chunks(n, minimumRowsPerChunk: 4096)
    }

    static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    func evaluate(_ parameters: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        let parameterCount = outputs * (d + 1)
        var partials = [Double](repeating: 0, count: chunks.count * (parameterCount + 1))
        let (n, d, outputs, fitIntercept) = (n, d, outputs, fitIntercept)
        columns.withUnsafeBufferPointer { columns in
            labels.withUnsafeBufferPointer { labels in
                partials.withUnsafeMutableBufferPointer { partials in
                    let partials = partials
                    RowParallel.run(chunks) { chunk, rows in
                        let out = partials.baseAddress! + chunk * (parameterCount + 1)
                        let blockSize = 256
                        let scores = UnsafeMutablePointer<Double>.allocate(capacity: outputs * blockSize)
                        defer { scores.deallocate() }
                        var loss = 0.0
                        var start = rows.lowerBound
                        while start < rows.upperBound {
                            let count = min(blockSize, rows.upperBound - start)
                            for k in 0 ..< outputs {
                                let score = scores + k * blockSize
                                let bias = fitIntercept ? parameters[outputs * d + k] : 0
                                for r in 0 ..< count { score[r] = bias }
                                for j in 0 ..< d {
                                    let w = parameters[k * d + j]
                                    let column = columns.baseAddress! + j * n + start
                                    for r in 0 ..< count { score[r] += w * column[r] }
                                }
                            }
                            if outputs == 1 {
                                for r in 0 ..< count {
                                    let z = scores[r]
                                    let target = Double(labels[start + r])
                                    // log(1 + e^z) − y z, written to neither overflow nor cancel.
                                    loss += max(z, 0) + log1p(exp(-abs(z))) - target * z
                                    scores[r] = Self.sigmoid(z) - target
                                }
                            } else {
                                for r in 0 ..< count {
                                    var largest = -Double.infinity
                                    for k in 0 ..< outputs { largest = max(largest, scores[k * blockSize + r]) }
                                    let labelScore = scores[labels[start + r] * blockSize + r] - largest
                                    var total = 0.0
                                    for k in 0 ..< outputs {
                                        let e = exp(scores[k * blockSize + r] - largest)
                                        scores[k * blockSize + r] = e
                                        total += e
                                    }
                                    let label = labels[start + r]
                                    loss += log(total) - labelScore
                                    let inverse = 1 / total
                                    for k in 0 ..< outputs { scores[k * blockSize + r] *= inverse }
                                    scores[label * blockSize + r] -= 1
                                }
                            }
                            for k in 0 ..< outputs {
                                let residual = scores + k * blockSize
                                for j in 0 ..< d {
                                    out[k * d + j] += DenseKernels.dot(residual, columns.baseAddress! + j * n + start, count)
                                }
                                var sum = 0.0
                                for r in 0 ..< count { sum += residual[r] }
                                out[outputs * d + k] += sum
                            }
                            start += count
                        }
                        out[parameterCount] = loss
                    }
                }
            }
        }
        let scale = 1 / Double(n)
        var loss = 0.0
        for i in 0 ..< parameterCount { gradient[i] = 0 }
        for chunk in 0 ..< chunks.count {
            let base = chunk * (parameterCount + 1)
            for i in 0 ..< parameterCount { gradient[i] += partials[base + i] }
            loss += partials[base + parameterCount]
        }
        var squaredNorm = 0.0
        for i in 0 ..< parameterCount {
            gradient[i] *= scale
        }
        for i in 0 ..< outputs * d {
            squaredNorm += parameters[i] * parameters[i]
            gradient[i] += penalty * parameters[i]
        }
        if !fitIntercept {
            for k in 0 ..< outputs { gradient[outputs * d + k] = 0 }
        }
        return loss * scale + 0.5 * penalty * squaredNorm
    }
}
