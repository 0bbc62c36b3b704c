// DecisionTreeRegressor: one CART regression tree with the squared-error criterion, matching
// scikit-learn's `DecisionTreeRegressor(criterion="squared_error", splitter="best")`.
//
// Hyperparameters (scikit-learn's defaults and ranges):
// - max_depth: nil (grow until leaves are pure) or ≥ 1
// - min_samples_split: ≥ 2, default 2
// - min_samples_leaf: ≥ 1, default 1
// - max_features: all (default) | sqrt | log2 | count 1…features | fraction in (0, 1]
// - random_state: nil (fresh entropy each fit) or 0…2³²−1 (feature order, ties, draws, as scikit-learn)
// A prediction is the mean target of a row's leaf; features are rounded to float32 like
// scikit-learn; `featureImportances` is the normalised decrease of squared error.

public struct DecisionTreeRegressor: Regressor {
    public struct Configuration: Sendable, Equatable, Hashable {
        public var maxDepth: Int?
        public var minSamplesSplit: Int
        public var minSamplesLeaf: Int
        public var maxFeatures: TreeMaxFeatures
        public var randomState: Int?

        public init(
            maxDepth: Int? = nil,
            minSamplesSplit: Int = 2,
            minSamplesLeaf: Int = 1,
            maxFeatures: TreeMaxFeatures = .all,
            randomState: Int? = nil
        ) {
            self.maxDepth = maxDepth
            self.minSamplesSplit = minSamplesSplit
            self.minSamplesLeaf = minSamplesLeaf
            self.maxFeatures = maxFeatures
            self.randomState = randomState
        }

        public func validate() throws(ModelError) {
            try TreeHyperparameters.validate(
                maxDepth: maxDepth, minSamplesSplit: minSamplesSplit, minSamplesLeaf: minSamplesLeaf,
                maxFeatures: maxFeatures, randomState: randomState
            )
        }
    }

    public var configuration: Configuration
    private(set) var tree: CARTTree?
    public private(set) var featureCount: Int?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? { tree?.importances }
    /// The number of nodes of the fitted tree.
    public var nodeCount: Int? { tree?.nodeCount }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Double], control: FitControl) throws(ModelError) {
        try configuration.validate()
        try TreeInput.checkRegression(x, y)
        try TreeInput.checkFloat32Range(x)
        let parameters = CARTParameters(
            criterion: .squaredError,
            maxDepth: configuration.maxDepth ?? Int.max,
            minSamplesSplit: configuration.minSamplesSplit,
            minSamplesLeaf: configuration.minSamplesLeaf,
            maxFeatures: try configuration.maxFeatures.resolve(featureCount: x.columns, field: "max_features")
        )
        try control.checkCancellation()
        let builder = CARTBuilder(
            columns: TreeFeatureColumns(x),
            targets: .values(y),
            weights: [Double](repeating: 1, count: x.rows),
            parameters: parameters,
            random: ScikitTreeRandom(randomState: UInt32(truncatingIfNeeded: SplitMix64.seed(from: configuration.randomState))),
            control: control
        )
        tree = try builder.build()
        featureCount = x.columns
        control.progress(1)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        try TreeInput.checkPredict(x, featureCount: featureCount)
        guard let tree else { throw ModelError(.notFitted, "the model has not been fitted") }
        var output = [Double](repeating: 0, count: x.rows)
        tree.accumulate(x, weight: 1, into: &output)
        return output
    }
}
