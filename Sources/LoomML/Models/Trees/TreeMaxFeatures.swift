// TreeMaxFeatures: how many features a tree node draws when it searches for a split, with
// scikit-learn's meanings of `max_features` (None, "sqrt", "log2", an int, a float).

/// scikit-learn's `max_features`: every feature (`None`), `sqrt`, `log2`, a count (an int
/// from 1 to the number of features) or a fraction in (0, 1]. Each resolved count is at least 1.
public enum TreeMaxFeatures: Sendable, Equatable, Hashable {
    case all
    case sqrt
    case log2
    case count(Int)
    case fraction(Double)

    func validate(field: String) throws(ModelError) {
        switch self {
        case .all, .sqrt, .log2:
            return
        case .count(let count):
            guard count >= 1 else {
                throw ModelError(.invalidHyperparameter, field: field, "\(field) as a count must be at least 1, got \(count)")
            }
        case .fraction(let fraction):
            guard fraction.isFinite, fraction > 0, fraction <= 1 else {
                throw ModelError(.invalidHyperparameter, field: field, "\(field) as a fraction must be in (0, 1], got \(fraction)")
            }
        }
    }

    /// The number of features a node draws among `featureCount`, as scikit-learn computes it.
    func resolve(featureCount: Int, field: String) throws(ModelError) -> Int {
        switch self {
        case .all:
            return featureCount
        case .sqrt:
            return max(1, Int(Double(featureCount).squareRoot()))
        case .log2:
            return max(1, Double(featureCount).exponent)
        case .count(let count):
            guard count <= featureCount else {
                throw ModelError(.invalidHyperparameter, field: field, "\(field) is \(count) but the data has only \(featureCount) features")
            }
            return count
        case .fraction(let fraction):
            return max(1, Int(fraction * Double(featureCount)))
        }
    }
}
