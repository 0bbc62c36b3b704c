// RandomForestRegressor: a forest of squared-error CART trees on bootstrap samples, matching
// scikit-learn's `RandomForestRegressor`. A prediction is the mean of the trees' predictions.
// Trees are built on every core (`n_jobs`), deterministically for a given random_state.
//
// Hyperparameters (scikit-learn's defaults and ranges):
// - n_estimators: ≥ 1, default 100
// - max_depth: nil (default, fully grown) or ≥ 1
// - min_samples_split: ≥ 2, default 2;  min_samples_leaf: ≥ 1, default 1
// - max_features: fraction 1.0 (default, every feature) | sqrt | log2 | all | count | fraction in (0, 1]
// - bootstrap: true (default) draws n rows with replacement per tree; false uses every row
// - random_state: nil (fresh entropy each fit) or 0…2³²−1 (bootstrap draws and each tree's feature draws)
// - n_jobs (`threadCount`): nil (default, every core) or ≥ 1 threads; results do not depend on it

public struct RandomForestRegressor: Regressor {
    public struct Configuration: Sendable, Equatable, Hashable {
        public var estimatorCount: Int
        public var maxDepth: Int?
        public var minSamplesSplit: Int
        public var minSamplesLeaf: Int
        public var maxFeatures: TreeMaxFeatures
        public var bootstrap: Bool
        public var randomState: Int?
        public var threadCount: Int?

        public init(
            estimatorCount: Int = 100,
            maxDepth: Int? = nil,
            minSamplesSplit: Int = 2,
            minSamplesLeaf: Int = 1,
            maxFeatures: TreeMaxFeatures = .fraction(1.0),
            bootstrap: Bool = true,
            randomState: Int? = nil,
            threadCount: Int? = nil
        ) {
            self.estimatorCount = estimatorCount
            self.maxDepth = maxDepth
            self.minSamplesSplit = minSamplesSplit
            self.minSamplesLeaf = minSamplesLeaf
            self.maxFeatures = maxFeatures
            self.bootstrap = bootstrap
            self.randomState = randomState
            self.threadCount = threadCount
        }

        public func validate() throws(ModelError) {
            try ForestHyperparameters.validate(estimatorCount: estimatorCount, threadCount: threadCount)
            try TreeHyperparameters.validate(
                maxDepth: maxDepth, minSamplesSplit: minSamplesSplit, minSamplesLeaf: minSamplesLeaf,
                maxFeatures: maxFeatures, randomState: randomState
            )
        }
    }

    public var configuration: Configuration
    private(set) var trees: [CARTTree] = []
    public private(set) var featureCount: Int?
    public private(set) var featureImportances: [Double]?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Double], control: FitControl) throws(ModelError) {
        try configuration.validate()
        try TreeInput.checkRegression(x, y)
        try TreeInput.checkFloat32Range(x)
        let forest = ForestBuilder(
            treeCount: configuration.estimatorCount,
            bootstrap: configuration.bootstrap,
            parameters: CARTParameters(
                criterion: .squaredError,
                maxDepth: configuration.maxDepth ?? Int.max,
                minSamplesSplit: configuration.minSamplesSplit,
                minSamplesLeaf: configuration.minSamplesLeaf,
                maxFeatures: try configuration.maxFeatures.resolve(featureCount: x.columns, field: "max_features")
            ),
            seed: SplitMix64.seed(from: configuration.randomState),
            threadCount: configuration.threadCount
        )
        try control.checkCancellation()
        let columns = TreeFeatureColumns(x)
        try control.checkCancellation()
        trees = try forest.build(columns: columns, targets: .values(y), control: control)
        featureCount = x.columns
        featureImportances = ForestBuilder.importances(trees, featureCount: x.columns)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        try TreeInput.checkPredict(x, featureCount: featureCount)
        guard !trees.isEmpty else { throw ModelError(.notFitted, "the model has not been fitted") }
        var output = [Double](repeating: 0, count: x.rows)
        for tree in trees { tree.accumulate(x, weight: 1, into: &output) }
        let scale = 1 / Double(trees.count)
        for i in output.indices { output[i] *= scale }
        return output
    }
}
