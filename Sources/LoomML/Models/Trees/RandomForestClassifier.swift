// RandomForestClassifier: a forest of CART classification trees on bootstrap samples with a
// random subset of features per split, matching scikit-learn's `RandomForestClassifier`.
// Probabilities are the mean of the trees' leaf class fractions; the class is their argmax.
// Trees are built on every core (`n_jobs`), deterministically for a given random_state.
//
// Hyperparameters (scikit-learn's defaults and ranges):
// - n_estimators: ≥ 1, default 100
// - criterion: gini (default) | entropy
// - max_depth: nil (default, fully grown) or ≥ 1
// - min_samples_split: ≥ 2, default 2;  min_samples_leaf: ≥ 1, default 1
// - max_features: sqrt (default) | log2 | all | count 1…features | fraction in (0, 1]
// - bootstrap: true (default) draws n rows with replacement per tree; false uses every row
// - random_state: nil (fresh entropy each fit) or 0…2³²−1 (bootstrap draws and each tree's feature draws)
// - n_jobs (`threadCount`): nil (default, every core) or ≥ 1 threads; results do not depend on it

public struct RandomForestClassifier: Classifier {
    public struct Configuration: Sendable, Equatable, Hashable {
        public var estimatorCount: Int
        public var criterion: DecisionTreeClassifier.Criterion
        public var maxDepth: Int?
        public var minSamplesSplit: Int
        public var minSamplesLeaf: Int
        public var maxFeatures: TreeMaxFeatures
        public var bootstrap: Bool
        public var randomState: Int?
        public var threadCount: Int?

        public init(
            estimatorCount: Int = 100,
            criterion: DecisionTreeClassifier.Criterion = .gini,
            maxDepth: Int? = nil,
            minSamplesSplit: Int = 2,
            minSamplesLeaf: Int = 1,
            maxFeatures: TreeMaxFeatures = .sqrt,
            bootstrap: Bool = true,
            randomState: Int? = nil,
            threadCount: Int? = nil
        ) {
            self.estimatorCount = estimatorCount
            self.criterion = criterion
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
    public private(set) var classCount: Int?
    public private(set) var featureImportances: [Double]?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, control: FitControl) throws(ModelError) {
        try configuration.validate()
        try TreeInput.checkClassification(x, y, classCount: classCount)
        try TreeInput.checkFloat32Range(x)
        let forest = ForestBuilder(
            treeCount: configuration.estimatorCount,
            bootstrap: configuration.bootstrap,
            parameters: CARTParameters(
                criterion: configuration.criterion == .gini ? .gini : .entropy,
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
        trees = try forest.build(columns: columns, targets: .classes(y.map { Int32($0) }, classCount: classCount), control: control)
        featureCount = x.columns
        self.classCount = classCount
        featureImportances = ForestBuilder.importances(trees, featureCount: x.columns)
    }

    public func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        try TreeInput.checkPredict(x, featureCount: featureCount)
        guard let classCount, !trees.isEmpty else { throw ModelError(.notFitted, "the model has not been fitted") }
        var output = [Double](repeating: 0, count: x.rows * classCount)
        for tree in trees { tree.accumulate(x, weight: 1, into: &output) }
        let scale = 1 / Double(trees.count)
        for i in output.indices { output[i] *= scale }
        return output
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int] {
        try predictProbabilities(x).rowArgmax(width: classCount ?? 1)
    }
}
