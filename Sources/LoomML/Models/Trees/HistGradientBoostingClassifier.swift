// HistGradientBoostingClassifier: histogram-based gradient boosting on the log-loss, matching
// scikit-learn's `HistGradientBoostingClassifier` (no missing values, no categorical
// features, no monotonic constraints). Two classes: one tree per iteration on the binary
// log-loss, probability = sigmoid(raw); more: one tree per class per iteration on the
// multinomial log-loss, probabilities = softmax(raw). Hyperparameters, defaults and ranges:
// see `HistGradientBoostingConfiguration`. `featureImportances` is each feature's share of
// the total split gain (scikit-learn has no importances for this model; LightGBM's "gain").

public struct HistGradientBoostingClassifier: Classifier {
    public typealias Configuration = HistGradientBoostingConfiguration

    public var configuration: Configuration
    private(set) var model: HistGradientBoosting?
    public private(set) var classCount: Int?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? { model?.importances }
    /// The number of boosting iterations run (fewer than max_iter after early stopping).
    public var iterationCount: Int? { model?.iterationCount }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, control: FitControl) throws(ModelError) {
        try configuration.validate()
        try TreeInput.checkClassification(x, y, classCount: classCount)
        guard classCount >= 2 else {
            throw ModelError(.invalidInput, "gradient boosting needs at least 2 classes, got \(classCount)")
        }
        model = try HistGradientBoosting(
            x, y.map(Double.init), loss: classCount == 2 ? .binaryLogLoss : .multinomial(classCount: classCount),
            configuration: configuration, control: control
        )
        self.classCount = classCount
    }

    public func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        guard let model, let classCount else { throw ModelError(.notFitted, "the model has not been fitted") }
        try TreeInput.checkPredict(x, featureCount: model.featureCount)
        let raw = model.rawPredictions(x)
        if classCount == 2 {
            var output = [Double](repeating: 0, count: x.rows * 2)
            for i in 0..<x.rows {
                let p = HistGradientBoosting.sigmoid(raw[i])
                output[2 * i] = 1 - p
                output[2 * i + 1] = p
            }
            return output
        }
        var output = [Double](repeating: 0, count: x.rows * classCount)
        var row = [Double](repeating: 0, count: classCount)
        for i in 0..<x.rows {
            HistGradientBoosting.softmax(raw, row: i, width: classCount, into: &row)
            for c in 0..<classCount { output[i * classCount + c] = row[c] }
        }
        return output
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int] {
        try predictProbabilities(x).rowArgmax(width: classCount ?? 1)
    }
}
