import LoomML

/// What a workflow costs, in credits. One function serves both ends of a job: the estimate
/// reserved when it starts (sizes from the datasets' profiles) and the cost charged when it
/// completes (sizes of the tables actually read); the store never charges more than it
/// reserved.
///
///     cost = base
///          + perPreprocessingStep × preprocessing nodes
///          + perPlot × plots drawn
///          + Σ over model nodes: complexity(algorithm) × size units of the model's dataset
///
///     size units = max(1, ⌈rows × columns / cellsPerUnit⌉)
///
/// Complexity reflects what a fit costs relative to a linear model: 1 for linear models
/// and naive Bayes, 2 for logistic regression and the linear SVM, 3 for trees, k-NN and
/// k-means, 4 for DBSCAN, 5 for boosting and 8 for a forest, the last two scaled by their
/// number of trees or iterations (per 100).
public struct CreditPolicy: Sendable, Equatable {
    public var base: Int64 = 10
    public var perPreprocessingStep: Int64 = 1
    public var perPlot: Int64 = 1
    public var cellsPerUnit: Int = 100_000

    public init() {}

    /// The size of a dataset: its rows and columns.
    public struct DatasetSize: Sendable, Equatable {
        public var rows: Int
        public var columns: Int
        public init(rows: Int, columns: Int) {
            self.rows = rows
            self.columns = columns
        }
    }

    /// The cost of `plan` on datasets of these sizes (by dataset id; a dataset not listed
    /// counts as one size unit).
    public func cost(of plan: WorkflowPlan, sizes: [String: DatasetSize]) -> Int64 {
        var total = base
        total += perPreprocessingStep * Int64(plan.preprocessingNodes.count)
        total += perPlot * Int64(plan.plotCount)
        for model in plan.modelNodes {
            let size = sizes[plan.dataset(of: model).datasetID]
            total += Self.complexity(plan.modelConfiguration(model)) * units(size)
        }
        return total
    }

    func units(_ size: DatasetSize?) -> Int64 {
        guard let size else { return 1 }
        let cells = size.rows.multipliedReportingOverflow(by: size.columns)
        guard !cells.overflow else { return Int64.max / 1_000 }
        return max(1, Int64((cells.partialValue + cellsPerUnit - 1) / cellsPerUnit))
    }

    /// Credits per size unit for a model node.
    static func complexity(_ model: ModelNodeConfiguration) -> Int64 {
        func per100(_ name: String, default value: Double) -> Int64 {
            var count = value
            if case .number(let number)? = model.hyperparameters[name] { count = number }
            return max(1, Int64((count / 100).rounded(.up)))
        }
        switch model.algorithm {
        case "linear_regression", "ridge", "lasso", "naive_bayes": return 1
        case "logistic_regression", "linear_svm": return 2
        case "decision_tree", "knn", "kmeans": return 3
        case "dbscan": return 4
        case "gradient_boosting": return 5 * per100("max_iter", default: 100)
        case "random_forest": return 8 * per100("n_estimators", default: 100)
        default: return 3
        }
    }
}
