/// Predicted class probabilities: `rowCount × classCount` values, row-major, column `c`
/// being the probability of class index `c` (the order of `labels`).
public struct ClassProbabilities: Sendable, Equatable {
    public let values: [Double]
    public let classCount: Int
    public var rowCount: Int { values.count / classCount }

    public init(values: [Double], classCount: Int) throws(MetricError) {
        guard classCount > 0 else {
            throw MetricError(.invalidArgument, "class probabilities need at least one class column")
        }
        guard values.count % classCount == 0 else {
            throw MetricError(
                .lengthMismatch,
                "\(values.count) probabilities do not divide into rows of \(classCount) classes")
        }
        for v in values {
            guard v.isFinite else { throw MetricError(.nonFiniteValue, "a class probability is \(v)") }
            guard v >= 0, v <= 1 else {
                throw MetricError(.invalidProbabilities, "a class probability is \(v), outside [0, 1]")
            }
        }
        self.values = values
        self.classCount = classCount
    }

    public subscript(row: Int, column: Int) -> Double { values[row * classCount + column] }

    /// The probabilities of one class for every row.
    public func column(_ c: Int) -> [Double] {
        (0..<rowCount).map { values[$0 * classCount + c] }
    }
}

/// What a classifier produced on a test set, as plain values. Class indices refer to
/// `labels` (a model's classes, in scikit-learn's sorted order); for binary problems the
/// positive class is index 1, as scikit-learn's `pos_label=labels[1]`.
public struct ClassificationData: Sendable, Equatable {
    public let yTrue: [Int]
    public let yPred: [Int]
    public let labels: [String]
    public let probabilities: ClassProbabilities?

    public init(
        yTrue: [Int], yPred: [Int], labels: [String], probabilities: ClassProbabilities? = nil
    ) throws(MetricError) {
        guard !labels.isEmpty else { throw MetricError(.invalidArgument, "no class labels") }
        guard !yTrue.isEmpty else { throw MetricError(.emptyInput, "no rows to evaluate") }
        guard yTrue.count == yPred.count else {
            throw MetricError(
                .lengthMismatch, "\(yTrue.count) true classes but \(yPred.count) predicted classes")
        }
        for (name, ys) in [("y_true", yTrue), ("y_pred", yPred)] {
            if let bad = ys.first(where: { $0 < 0 || $0 >= labels.count }) {
                throw MetricError(
                    .indexOutOfRange,
                    "\(name) holds class index \(bad), but there are \(labels.count) labels")
            }
        }
        if let probabilities {
            guard probabilities.rowCount == yTrue.count else {
                throw MetricError(
                    .lengthMismatch,
                    "\(probabilities.rowCount) probability rows for \(yTrue.count) true classes")
            }
            guard probabilities.classCount == labels.count else {
                throw MetricError(
                    .lengthMismatch,
                    "\(probabilities.classCount) probability columns for \(labels.count) labels")
            }
        }
        self.yTrue = yTrue
        self.yPred = yPred
        self.labels = labels
        self.probabilities = probabilities
    }

    public var rowCount: Int { yTrue.count }

    /// The class indices that occur in `yTrue` or `yPred`, ascending: the labels
    /// scikit-learn's metrics use when none are passed (`unique_labels(y_true, y_pred)`).
    public var presentClasses: [Int] {
        var seen = [Bool](repeating: false, count: labels.count)
        for y in yTrue { seen[y] = true }
        for y in yPred { seen[y] = true }
        return seen.indices.filter { seen[$0] }
    }
}
