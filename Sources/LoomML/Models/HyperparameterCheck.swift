/// Range checks for hyperparameters. Each throws `invalidHyperparameter` naming the field
/// (scikit-learn's parameter name) with the sentence a user reads.
enum HyperparameterCheck {
    /// A finite number greater than 0.
    static func positive(_ value: Double, _ field: String) throws(ModelError) {
        guard value > 0, value.isFinite else {
            throw ModelError(.invalidHyperparameter, field: field, "\(field) must be a finite number greater than 0, got \(value)")
        }
    }

    /// A finite number of at least 0.
    static func nonNegative(_ value: Double, _ field: String) throws(ModelError) {
        guard value >= 0, value.isFinite else {
            throw ModelError(.invalidHyperparameter, field: field, "\(field) must be a finite number of at least 0, got \(value)")
        }
    }

    /// An integer of at least `minimum`.
    static func atLeast(_ value: Int, _ minimum: Int, _ field: String) throws(ModelError) {
        guard value >= minimum else {
            throw ModelError(.invalidHyperparameter, field: field, "\(field) must be at least \(minimum), got \(value)")
        }
    }
}
