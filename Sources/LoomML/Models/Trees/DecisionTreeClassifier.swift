// DecisionTreeClassifier: one CART classification tree, matching scikit-learn's
// `DecisionTreeClassifier` (splitter="best", no class or sample weights, no pruning).
//
// Hyperparameters (scikit-learn's defaults and ranges):
// - criterion: gini (default) | entropy
// - max_depth: nil (grow until leaves are pure) or ≥ 1
// - min_samples_split: ≥ 2, default 2
// - min_samples_leaf: ≥ 1, default 1
// - max_features: all (default) | sqrt | log2 | count 1…features | fraction in (0, 1]
// - random_state: nil (fresh entropy each fit) or 0…2³²−1, drawn as scikit-learn draws; it orders the features each node
//   visits, which breaks ties between equally good splits, and draws them when max_features
//   is below the feature count.
// Features are rounded to float32 like scikit-learn does; probabilities are the class
// fractions of a row's leaf; `featureImportances` is the normalised impurity decrease.

public struct DecisionTreeClassifier: Classifier {
    public enum Criterion: String, Sendable, Equatable, Hashable, CaseIterable {
        case gini
        case entropy
    }

    public struct Configuration: Sendable, Equatable, Hashable {
        public var criterion: Criterion
        public var maxDepth: Int?
        public var minSamplesSplit: Int
        public var minSamplesLeaf: Int
        public var maxFeatures: TreeMaxFeatures
        public var randomState: Int?

        public init(
            criterion: Criterion = .gini,
            maxDepth: Int? = nil,
            minSamplesSplit: Int = 2,
            minSamplesLeaf: Int = 1,
            maxFeatures: TreeMaxFeatures = .all,
            randomState: Int? = nil
        ) {
            self.criterion = criterion
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
    public private(set) var classCount: Int?

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? { tree?.importances }
    /// The number of nodes of the fitted tree.
    public var nodeCount: Int? { tree?.nodeCount }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, control: FitControl) throws(ModelError) {
        try configuration.validate()
        try TreeInput.checkClassification(x, y, classCount: classCount)
        try TreeInput.checkFloat32Range(x)
        let parameters = CARTParameters(
            criterion: configuration.criterion == .gini ? .gini : .entropy,
            maxDepth: configuration.maxDepth ?? Int.max,
            minSamplesSplit: configuration.minSamplesSplit,
            minSamplesLeaf: configuration.minSamplesLeaf,
            maxFeatures: try configuration.maxFeatures.resolve(featureCount: x.columns, field: "max_features")
        )
        try control.checkCancellation()
        let builder = CARTBuilder(
            columns: TreeFeatureColumns(x),
            targets: .classes(y.map { Int32($0) }, classCount: classCount),
            weights: [Double](repeating: 1, count: x.rows),
            parameters: parameters,
            random: ScikitTreeRandom(randomState: UInt32(truncatingIfNeeded: SplitMix64.seed(from: configuration.randomState))),
            control: control
        )
        tree = try builder.build()
        featureCount = x.columns
        self.classCount = classCount
        control.progress(1)
    }

    public func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        try TreeInput.checkPredict(x, featureCount: featureCount)
        guard let tree else { throw ModelError(.notFitted, "the model has not been fitted") }
        var output = [Double](repeating: 0, count: x.rows * tree.outputWidth)
        tree.accumulate(x, weight: 1, into: &output)
        return output
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int] {
        let probabilities = try predictProbabilities(x)
        return probabilities.rowArgmax(width: classCount ?? 1)
    }
}

/// The checks shared by the trees' and forests' configurations.
enum TreeHyperparameters {
    static func validate(
        maxDepth: Int?, minSamplesSplit: Int, minSamplesLeaf: Int, maxFeatures: TreeMaxFeatures, randomState: Int?
    ) throws(ModelError) {
        if let maxDepth, maxDepth < 1 {
            throw ModelError(.invalidHyperparameter, field: "max_depth", "max_depth must be at least 1, got \(maxDepth)")
        }
        guard minSamplesSplit >= 2 else {
            throw ModelError(
                .invalidHyperparameter, field: "min_samples_split", "min_samples_split must be at least 2, got \(minSamplesSplit)"
            )
        }
        guard minSamplesLeaf >= 1 else {
            throw ModelError(
                .invalidHyperparameter, field: "min_samples_leaf", "min_samples_leaf must be at least 1, got \(minSamplesLeaf)"
            )
        }
        try maxFeatures.validate(field: "max_features")
        try validateRandomState(randomState)
    }

    static func validateRandomState(_ randomState: Int?) throws(ModelError) {
        if let randomState, randomState < 0 || randomState > Int(UInt32.max) {
            throw ModelError(
                .invalidHyperparameter, field: "random_state", "random_state must be in 0...4294967295, got \(randomState)"
            )
        }
    }
}
