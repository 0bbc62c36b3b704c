// Ordinary least squares, matching scikit-learn's `LinearRegression()`: minimises
// ‖y − Xw − b‖². With an intercept the features and target are centred first (as
// scikit-learn does), then the normal equations (XᵀX) w = Xᵀy are solved by Cholesky; when
// XᵀX is singular or too ill-conditioned for Cholesky (collinear or constant features) the
// minimum-norm solution comes from its eigen-decomposition, the answer scikit-learn's
// `lstsq` gives. Hyperparameters: fitIntercept (default true).
// Feature importances: |coefficients| normalised to sum to 1 (meaningful when features
// share a scale); nil when all coefficients are zero.

public struct LinearRegression: Regressor {
    public struct Configuration: Sendable, Equatable {
        /// Fit an intercept (centre features and target). Default true.
        public var fitIntercept: Bool

        public init(fitIntercept: Bool = true) {
            self.fitIntercept = fitIntercept
        }

        public func validate() throws(ModelError) {}
    }

    public var configuration: Configuration
    public private(set) var coefficients: [Double] = []
    public private(set) var intercept = 0.0
    /// True when the normal equations were singular and the minimum-norm solution was used.
    public private(set) var usedMinimumNormSolution = false

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? {
        coefficients.isEmpty ? nil : LinearImportances.fromCoefficients(coefficients, outputs: 1, features: coefficients.count)
    }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Double], control: FitControl) throws(ModelError) {
        try configuration.validate()
        try ModelInputCheck.regression(x, y)
        try control.checkCancellation()
        let solution = try LeastSquares.solve(x, y, fitIntercept: configuration.fitIntercept, alpha: 0, control: control)
        coefficients = solution.coefficients
        intercept = solution.intercept
        usedMinimumNormSolution = solution.usedMinimumNorm
        control.progress(1)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        try LeastSquares.predict(x, coefficients: coefficients, intercept: intercept)
    }
}

/// The shared solver of least squares and ridge: centre, form the Gram matrix on both
/// cores, add `alpha` to its diagonal, solve.
enum LeastSquares {
    struct Solution {
        var coefficients: [Double]
        var intercept: Double
        var usedMinimumNorm: Bool
    }

    static func solve(_ x: FeatureMatrixView, _ y: [Double], fitIntercept: Bool, alpha: Double, control: FitControl) throws(ModelError) -> Solution {
        let d = x.columns
        let means = fitIntercept ? DenseKernels.columnMeans(x) : [Double](repeating: 0, count: d)
        let yMean = fitIntercept ? y.reduce(0, +) / Double(y.count) : 0
        var (gram, xty) = DenseKernels.centredGram(x, means: means, y: y, yMean: yMean)
        try control.checkCancellation()
        control.progress(0.8)
        for j in 0 ..< d { gram[j * d + j] += alpha }
        var usedMinimumNorm = false
        let coefficients: [Double]
        if let solution = SymmetricSolve.cholesky(gram, xty, n: d) {
            coefficients = solution
        } else {
            usedMinimumNorm = true
            coefficients = SymmetricSolve.pseudoInverse(gram, xty, n: d)
        }
        var intercept = 0.0
        if fitIntercept {
            intercept = yMean
            for j in 0 ..< d { intercept -= coefficients[j] * means[j] }
        }
        return Solution(coefficients: coefficients, intercept: intercept, usedMinimumNorm: usedMinimumNorm)
    }

    static func predict(_ x: FeatureMatrixView, coefficients: [Double], intercept: Double) throws(ModelError) -> [Double] {
        let d = try ModelInputCheck.prediction(x, fittedColumns: coefficients.isEmpty ? nil : coefficients.count)
        var predictions = [Double](repeating: 0, count: x.rows)
        x.values.withUnsafeBufferPointer { values in
            coefficients.withUnsafeBufferPointer { weights in
                for row in 0 ..< x.rows {
                    predictions[row] = intercept + DenseKernels.dot(values.baseAddress! + row * d, weights.baseAddress!, d)
                }
            }
        }
        return predictions
    }
}
