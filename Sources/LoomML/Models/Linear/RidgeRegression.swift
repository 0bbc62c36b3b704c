// Ridge regression, matching scikit-learn's `Ridge(alpha=…)` with its Cholesky solver:
// minimises ‖y − Xw − b‖² + alpha·‖w‖², the intercept unpenalised (features and target
// centred first). Solves (XᵀX + alpha·I) w = Xᵀy by Cholesky; with alpha = 0 and singular
// XᵀX it falls back to the minimum-norm solution, like `LinearRegression`.
// Hyperparameters: alpha = 1.0 (≥ 0, finite), fitIntercept = true.
// Feature importances: |coefficients| normalised to sum to 1; nil when all are zero.

public struct RidgeRegression: Regressor {
    public struct Configuration: Sendable, Equatable {
        /// L2 penalty strength, ≥ 0. Default 1.0.
        public var alpha: Double
        /// Fit an unpenalised intercept. Default true.
        public var fitIntercept: Bool

        public init(alpha: Double = 1.0, fitIntercept: Bool = true) {
            self.alpha = alpha
            self.fitIntercept = fitIntercept
        }

        public func validate() throws(ModelError) {
            try HyperparameterCheck.nonNegative(alpha, "alpha")
        }
    }

    public var configuration: Configuration
    public private(set) var coefficients: [Double] = []
    public private(set) var intercept = 0.0

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
        let solution = try LeastSquares.solve(x, y, fitIntercept: configuration.fitIntercept, alpha: configuration.alpha, control: control)
        coefficients = solution.coefficients
        intercept = solution.intercept
        control.progress(1)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        try LeastSquares.predict(x, coefficients: coefficients, intercept: intercept)
    }
}
