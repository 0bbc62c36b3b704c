/// What a workflow predicts: the vocabulary of the dataset node's `problemType`, of a
/// profile's suggestion for a target column, and of every metric and model.
public enum ProblemType: String, Sendable, Codable, CaseIterable {
    case classification
    case regression
    /// No target; every row may be a training row.
    case clustering
}
