// A linear support vector classifier, matching scikit-learn's `LinearSVC(C=…, tol=…,
// max_iter=…)` (penalty "l2", loss "squared_hinge", one-vs-rest). Like liblinear, which
// scikit-learn calls, the intercept is a feature of constant value 1 (intercept_scaling
// = 1) and so is penalised too. Each binary problem (class 1 against class 0 for two
// classes; each class against the rest otherwise) minimises
//     ½ (‖w‖² + b²) + C Σᵢ max(0, 1 − yᵢ (w·xᵢ + b))²
// Like scikit-learn's `dual="auto"`, the solver is chosen by shape: with at least as many
// rows as features the primal (smooth, once differentiable) is minimised by our L-BFGS
// until the largest gradient component falls to `tolerance` × its value at w = 0 (liblinear's
// relative stop for its primal Newton solver); otherwise by dual coordinate descent (Hsieh
// et al. 2008, liblinear's dual solver) over a seeded random order of rows, until the
// spread of the projected gradient is at most `tolerance`. The problem is strictly convex,
// so both reach scikit-learn's solution. One-vs-rest problems run on all cores.
//
// Probabilities: LinearSVC has none. `predictProbabilities` returns the softmax of the
// decision values (the sigmoid for two classes): it ranks like them but is not calibrated.
// Hyperparameters (scikit-learn's defaults): C = 1.0 (> 0), maxIterations = 1000 (≥ 1;
// L-BFGS iterations or passes over the rows), tolerance = 1e-4 (> 0), fitIntercept = true,
// solver = .auto, randomState = 0 (the dual solver's row order).
// Feature importances: |coefficients| summed over classes, normalised to sum to 1.

public struct LinearSVM: Classifier {
    public struct Configuration: Sendable, Equatable {
        /// Inverse regularisation strength, > 0. Default 1.0.
        public var C: Double
        /// Most passes over the rows per binary problem, ≥ 1. Default 1000.
        public var maxIterations: Int
        /// Projected-gradient spread at which a problem stops, > 0. Default 1e-4.
        public var tolerance: Double
        /// Fit a (penalised, like liblinear) intercept. Default true.
        public var fitIntercept: Bool
        /// `.auto` (scikit-learn's `dual="auto"`): primal when rows ≥ features, else dual.
        public var solver: Solver
        /// Seed of the dual solver's row order. Default 0.
        public var randomState: UInt64

        public enum Solver: String, Sendable, CaseIterable { case auto, primal, dual }

        public init(C: Double = 1.0, maxIterations: Int = 1000, tolerance: Double = 1e-4, fitIntercept: Bool = true, solver: Solver = .auto, randomState: UInt64 = 0) {
            self.C = C
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.fitIntercept = fitIntercept
            self.solver = solver
            self.randomState = randomState
        }

        public func validate() throws(ModelError) {
            try HyperparameterCheck.positive(C, "C")
            try HyperparameterCheck.atLeast(maxIterations, 1, "max_iter")
            try HyperparameterCheck.positive(tolerance, "tol")
        }
    }

    public var configuration: Configuration
    /// Row-major `outputs × features` (one row for two classes).
    public private(set) var coefficients: [Double] = []
    public private(set) var intercepts: [Double] = []
    public private(set) var classCount = 0
    /// False when some binary problem stopped at maxIterations.
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
            throw ModelError(.invalidInput, "a linear SVM needs rows of at least 2 classes, got only class \(y[0])")
        }
        let d = x.columns
        let outputs = classCount == 2 ? 1 : classCount
        var generator = SplitMix64(seed: configuration.randomState)
        let seeds = (0 ..< outputs).map { _ in generator.next() }
        var solutions = [Result<(weights: [Double], converged: Bool), ModelError>?](repeating: nil, count: outputs)
        let configuration = configuration
        solutions.withUnsafeMutableBufferPointer { solutions in
            let solutions = solutions
            RowParallel.run((0 ..< outputs).map { $0 ..< $0 + 1 }) { output, _ in
                let positive = outputs == 1 ? 1 : output
                let signs = y.map { $0 == positive ? 1.0 : -1.0 }
                do throws(ModelError) {
                    let primal = configuration.solver == .primal || (configuration.solver == .auto && x.rows >= x.columns)
                    solutions[output] = .success(
                        primal
                            ? try Self.solvePrimal(x, signs: signs, configuration: configuration, control: control)
                            : try Self.solveBinary(x, signs: signs, configuration: configuration, seed: seeds[output], control: control)
                    )
                } catch {
                    solutions[output] = .failure(error)
                }
            }
        }
        var coefficients = [Double](repeating: 0, count: outputs * d)
        var intercepts = [Double](repeating: 0, count: outputs)
        var allConverged = true
        for output in 0 ..< outputs {
            switch solutions[output] {
            case .success(let solution):
                for j in 0 ..< d { coefficients[output * d + j] = solution.weights[j] }
                intercepts[output] = solution.weights[d]
                allConverged = allConverged && solution.converged
            case .failure(let error):
                throw error
            case nil:
                throw ModelError(.cancelled, "a one-vs-rest problem did not run")
            }
        }
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.classCount = classCount
        converged = allConverged
        featureCount = d
        control.progress(1)
    }

    /// L-BFGS on the primal ½‖w̃‖² + C Σ max(0, 1 − yᵢ w̃·x̃ᵢ)², x̃ = (x, 1); returns w then b.
    private static func solvePrimal(_ x: FeatureMatrixView, signs: [Double], configuration: Configuration, control: FitControl) throws(ModelError) -> (weights: [Double], converged: Bool) {
        let d = x.columns
        let bias = configuration.fitIntercept ? 1.0 : 0.0
        let C = configuration.C
        let chunks = RowParallel.chunks(x.rows, minimumRowsPerChunk: 4096)
        let objective = { (w: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double in
            var partials = [Double](repeating: 0, count: chunks.count * (d + 2))
            x.values.withUnsafeBufferPointer { values in
                partials.withUnsafeMutableBufferPointer { partials in
                    let partials = partials
                    RowParallel.run(chunks) { chunk, rows in
                        let out = partials.baseAddress! + chunk * (d + 2)
                        var loss = 0.0
                        for row in rows {
                            let features = values.baseAddress! + row * d
                            let sign = signs[row]
                            let slack = 1 - sign * (DenseKernels.dot(features, w.baseAddress!, d) + w[d] * bias)
                            guard slack > 0 else { continue }
                            loss += slack * slack
                            let coefficient = -2 * C * sign * slack
                            for j in 0 ..< d { out[j] += coefficient * features[j] }
                            out[d] += coefficient * bias
                        }
                        out[d + 1] = loss
                    }
                }
            }
            var value = 0.0
            for j in 0 ... d {
                var sum = w[j]
                for chunk in 0 ..< chunks.count { sum += partials[chunk * (d + 2) + j] }
                gradient[j] = sum
                value += 0.5 * w[j] * w[j]
            }
            for chunk in 0 ..< chunks.count { value += C * partials[chunk * (d + 2) + d + 1] }
            return value
        }
        let start = [Double](repeating: 0, count: d + 1)
        var initialGradient = start
        _ = start.withUnsafeBufferPointer { start in
            initialGradient.withUnsafeMutableBufferPointer { objective(start, $0) }
        }
        let scale = initialGradient.reduce(0) { max($0, abs($1)) }
        let minimizer = LBFGSMinimizer(maxIterations: configuration.maxIterations, gradientTolerance: configuration.tolerance * max(scale, .leastNormalMagnitude))
        let result = try minimizer.minimize(start: start, control: control, objective: objective)
        return (result.parameters, result.converged)
    }

    /// Dual coordinate descent for the squared hinge loss; returns w followed by b.
    private static func solveBinary(_ x: FeatureMatrixView, signs: [Double], configuration: Configuration, seed: UInt64, control: FitControl) throws(ModelError) -> (weights: [Double], converged: Bool) {
        let n = x.rows, d = x.columns
        let bias = configuration.fitIntercept ? 1.0 : 0.0
        let diagonal = 1 / (2 * configuration.C)
        var weights = [Double](repeating: 0, count: d + 1)
        var alphas = [Double](repeating: 0, count: n)
        var order = Array(0 ..< n)
        var generator = SplitMix64(seed: seed)
        var curvature = [Double](repeating: 0, count: n)
        x.values.withUnsafeBufferPointer { values in
            for i in 0 ..< n {
                curvature[i] = DenseKernels.dot(values.baseAddress! + i * d, values.baseAddress! + i * d, d) + bias * bias + diagonal
            }
        }
        var converged = false
        for iteration in 0 ..< configuration.maxIterations {
            try control.checkCancellation()
            if iteration % 16 == 0 { control.progress(Double(iteration) / Double(configuration.maxIterations)) }
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, generator.nextInt(below: i + 1)) }
            var largest = -Double.infinity, smallest = Double.infinity
            x.values.withUnsafeBufferPointer { values in
                weights.withUnsafeMutableBufferPointer { w in
                    for i in order {
                        let row = values.baseAddress! + i * d
                        let sign = signs[i]
                        let gradient = sign * (DenseKernels.dot(row, w.baseAddress!, d) + w[d] * bias) - 1 + diagonal * alphas[i]
                        let projected = alphas[i] == 0 ? min(gradient, 0) : gradient
                        largest = max(largest, projected)
                        smallest = min(smallest, projected)
                        if abs(projected) > 1e-12 {
                            let old = alphas[i]
                            let updated = max(old - gradient / curvature[i], 0)
                            alphas[i] = updated
                            let step = (updated - old) * sign
                            for j in 0 ..< d { w[j] += step * row[j] }
                            w[d] += step * bias
                        }
                    }
                }
            }
            if largest - smallest <= configuration.tolerance {
                converged = true
                break
            }
        }
        return (weights, converged)
    }

    /// Row-major `rows × outputs` decision values w·x + b.
    public func decisionFunction(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        let d = try ModelInputCheck.prediction(x, fittedColumns: featureCount)
        let outputs = intercepts.count
        var scores = [Double](repeating: 0, count: x.rows * outputs)
        x.values.withUnsafeBufferPointer { values in
            coefficients.withUnsafeBufferPointer { weights in
                for row in 0 ..< x.rows {
                    for output in 0 ..< outputs {
                        scores[row * outputs + output] = intercepts[output]
                            + DenseKernels.dot(values.baseAddress! + row * d, weights.baseAddress! + output * d, d)
                    }
                }
            }
        }
        return scores
    }

    public func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        let scores = try decisionFunction(x)
        guard intercepts.count == 1 else { return Softmax.rows(scores, columns: classCount) }
        var probabilities = [Double](repeating: 0, count: x.rows * 2)
        for row in 0 ..< x.rows {
            let positive = LogisticObjective.sigmoid(scores[row])
            probabilities[row * 2] = 1 - positive
            probabilities[row * 2 + 1] = positive
        }
        return probabilities
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int] {
        let scores = try decisionFunction(x)
        if intercepts.count == 1 { return scores.map { $0 > 0 ? 1 : 0 } }
        return Softmax.argmaxRows(scores, columns: classCount)
    }
}
