// HistGradientBoostingConfiguration: the hyperparameters of the histogram gradient boosting
// classifier and regressor, with scikit-learn's HistGradientBoosting* defaults and ranges:
// - learning_rate: > 0, default 0.1 (shrinks every leaf value)
// - max_iter: ≥ 1, default 100 (boosting iterations; a classifier with k > 2 classes grows k
//   trees per iteration)
// - max_leaf_nodes: nil (unlimited) or ≥ 2, default 31
// - max_depth: nil (default, unlimited) or ≥ 1 (edges from the root to the deepest leaf)
// - min_samples_leaf: ≥ 1, default 20
// - l2_regularization: ≥ 0, default 0
// - max_bins: 2…255, default 255
// - early_stopping: auto (default: on when there are more than 10,000 rows) | on | off; it
//   holds out validation_fraction of the rows (stratified for classifiers) and stops when the
//   validation loss has not improved by more than tol in n_iter_no_change iterations
//   (scikit-learn's scoring="loss")
// - validation_fraction: in (0, 1), default 0.1;  n_iter_no_change: ≥ 1, default 10;
//   tol: ≥ 0, default 1e-7
// - random_state: nil (fresh entropy each fit) or 0…2³²−1 (the validation split, the binning subsample)
// - n_jobs (`threadCount`): nil (default, every core) or ≥ 1 threads for binning and histograms

public struct HistGradientBoostingConfiguration: Sendable, Equatable, Hashable {
    public enum EarlyStopping: String, Sendable, Equatable, Hashable, CaseIterable {
        case auto
        case on
        case off
    }

    public var learningRate: Double
    public var maxIter: Int
    public var maxLeafNodes: Int?
    public var maxDepth: Int?
    public var minSamplesLeaf: Int
    public var l2Regularization: Double
    public var maxBins: Int
    public var earlyStopping: EarlyStopping
    public var validationFraction: Double
    public var nIterNoChange: Int
    public var tol: Double
    public var randomState: Int?
    public var threadCount: Int?

    public init(
        learningRate: Double = 0.1,
        maxIter: Int = 100,
        maxLeafNodes: Int? = 31,
        maxDepth: Int? = nil,
        minSamplesLeaf: Int = 20,
        l2Regularization: Double = 0,
        maxBins: Int = 255,
        earlyStopping: EarlyStopping = .auto,
        validationFraction: Double = 0.1,
        nIterNoChange: Int = 10,
        tol: Double = 1e-7,
        randomState: Int? = nil,
        threadCount: Int? = nil
    ) {
        self.learningRate = learningRate
        self.maxIter = maxIter
        self.maxLeafNodes = maxLeafNodes
        self.maxDepth = maxDepth
        self.minSamplesLeaf = minSamplesLeaf
        self.l2Regularization = l2Regularization
        self.maxBins = maxBins
        self.earlyStopping = earlyStopping
        self.validationFraction = validationFraction
        self.nIterNoChange = nIterNoChange
        self.tol = tol
        self.randomState = randomState
        self.threadCount = threadCount
    }

    public func validate() throws(ModelError) {
        func fail(_ field: String, _ message: String) -> ModelError {
            ModelError(.invalidHyperparameter, field: field, message)
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw fail("learning_rate", "learning_rate must be greater than 0, got \(learningRate)")
        }
        guard maxIter >= 1 else { throw fail("max_iter", "max_iter must be at least 1, got \(maxIter)") }
        if let maxLeafNodes, maxLeafNodes < 2 {
            throw fail("max_leaf_nodes", "max_leaf_nodes must be at least 2, got \(maxLeafNodes)")
        }
        if let maxDepth, maxDepth < 1 { throw fail("max_depth", "max_depth must be at least 1, got \(maxDepth)") }
        guard minSamplesLeaf >= 1 else {
            throw fail("min_samples_leaf", "min_samples_leaf must be at least 1, got \(minSamplesLeaf)")
        }
        guard l2Regularization.isFinite, l2Regularization >= 0 else {
            throw fail("l2_regularization", "l2_regularization must be at least 0, got \(l2Regularization)")
        }
        guard (2...255).contains(maxBins) else { throw fail("max_bins", "max_bins must be in 2...255, got \(maxBins)") }
        guard validationFraction > 0, validationFraction < 1 else {
            throw fail("validation_fraction", "validation_fraction must be in (0, 1), got \(validationFraction)")
        }
        guard nIterNoChange >= 1 else {
            throw fail("n_iter_no_change", "n_iter_no_change must be at least 1, got \(nIterNoChange)")
        }
        guard tol.isFinite, tol >= 0 else { throw fail("tol", "tol must be at least 0, got \(tol)") }
        try TreeHyperparameters.validateRandomState(randomState)
        if let threadCount, threadCount < 1 {
            throw fail("n_jobs", "n_jobs must be at least 1 or unset (every core), got \(threadCount)")
        }
    }
}
