import LoomColumnar

/// The target of some rows: class indices (into `PreparedData.labels`) for
/// classification, numbers for regression.
public enum TargetValues: Sendable, Equatable {
    case classes([Int])
    case values([Double])

    public var classIndices: [Int]? { if case .classes(let classes) = self { classes } else { nil } }
    public var doubles: [Double]? { if case .values(let values) = self { values } else { nil } }

    public var count: Int {
        switch self {
        case .classes(let classes): classes.count
        case .values(let values): values.count
        }
    }
}

/// The training or the test part of prepared data.
public struct DataSubset: Sendable, Equatable {
    /// One row per data row, one column per feature (`PreparedData.featureNames`).
    public let features: Matrix
    /// nil for clustering.
    public let target: TargetValues?
    /// For each matrix row, its row in the original table (before any row filter).
    public let rows: [Int]
    /// For each matrix row, its position among the rows left after the row filters
    /// (the numbering of `SplitPlan.testRows`).
    public let positions: [Int]

    public var count: Int { rows.count }
}

/// The data a model trains and is evaluated on, after preprocessing and the split.
public struct PreparedData: Sendable {
    public let problemType: ProblemType
    public let targetColumn: String?
    /// The names of the matrix columns, in order.
    public let featureNames: [String]
    public let train: DataSubset
    /// Empty when the plan was `.none`.
    public let test: DataSubset
    /// Classification: the label of each class index, sorted as scikit-learn sorts them
    /// (numbers by value, text by code point). Empty otherwise.
    public let labels: [String]
    /// How many rows remained after the row filters.
    public let rowsAfterFilters: Int
    /// The learned and stateless transforms as fitted, in workflow order (row filters
    /// excluded), e.g. to report a scaler's means or to transform new rows.
    public let fittedSteps: [any FittedStep]
}
