// HistGradientBoostingRegressor: histogram-based gradient boosting on the squared error,
// matching scikit-learn's `HistGradientBoostingRegressor(loss="squared_error")` (no missing
// values, no categorical features). Hyperparameters, defaults and ranges: see
// `HistGradientBoostingConfiguration`. `featureImportances` is each feature's share of the
// total split gain (scikit-learn has none for this model; LightGBM's "gain" importance).

public struct HistGradientBoostingRegressor: Regressor {
    public typealias Configuration = HistGradientBoostingConfiguration

    public var configuration: Configuration
    private(set) var model: HistGradientBoosting?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? { model?.importances }
    /// The number of boosting iterations run (fewer than max_iter after early stopping).
    public var iterationCount: Int? { model?.iterationCount }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Double], control: FitControl) throws(ModelError) {
        try configuration.validate()
        try TreeInput.checkRegression(x, y)
        model = try HistGradientBoosting(x, y, loss: .squaredError, configuration: configuration, control: control)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        guard let model else { throw ModelError(.notFitted, "the model has not been fitted") }
        try TreeInput.checkPredict(x, featureCount: model.featureCount)
        return model.rawPredictions(x)
    }
}
