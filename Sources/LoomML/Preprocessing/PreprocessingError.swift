/// Why a workflow's preprocessing or split could not run: which node, which field of its
/// configuration (when one is to blame), a stable code that programs can match, and a
/// sentence for the user.
public struct PreprocessingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable reason. New codes may be added without breaking callers.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The node's `method` is not a preprocessing method Loom knows.
        public static let unknownMethod = Code(rawValue: "unknown_method")
        /// A parameter the method does not take (often a typo).
        public static let unknownParameter = Code(rawValue: "unknown_parameter")
        /// A required parameter is absent.
        public static let missingParameter = Code(rawValue: "missing_parameter")
        /// A parameter has the wrong type or a value out of its range.
        public static let invalidParameter = Code(rawValue: "invalid_parameter")
        /// A column named in the configuration is not in the data at that step.
        public static let unknownColumn = Code(rawValue: "unknown_column")
        /// A column's type does not suit the step (e.g. scaling a text column).
        public static let invalidColumnType = Code(rawValue: "invalid_column_type")
        /// A step was asked to change or remove the target column.
        public static let targetColumn = Code(rawValue: "target_column")
        /// A step would create a column whose name is already taken.
        public static let duplicateColumn = Code(rawValue: "duplicate_column")
        /// Values are missing where they cannot be (features reaching a model, one-hot input, the target).
        public static let missingValues = Code(rawValue: "missing_values")
        /// A value the step cannot transform (e.g. the log of a negative number).
        public static let invalidValue = Code(rawValue: "invalid_value")
        /// A category not seen in the training rows, with `handle_unknown: "error"`.
        public static let unknownCategory = Code(rawValue: "unknown_category")
        /// A text column reaches the model without an encoder.
        public static let nonNumericFeature = Code(rawValue: "non_numeric_feature")
        /// The steps are in an order that cannot be run without leaking test rows.
        public static let stepOrder = Code(rawValue: "step_order")
        /// Too few rows (or rows of a class) for the step or the split.
        public static let notEnoughRows = Code(rawValue: "not_enough_rows")
        /// The target column is unusable for the problem type.
        public static let invalidTarget = Code(rawValue: "invalid_target")
        /// The result would be too large (e.g. polynomial features of many columns).
        public static let tooManyFeatures = Code(rawValue: "too_many_features")
        /// An invariant of the library itself failed; a bug, reported instead of trapping.
        public static let internalError = Code(rawValue: "internal_error")
    }

    public var code: Code
    /// The workflow node the error belongs to; nil for errors about the data as a whole.
    public var nodeID: String?
    /// The node's method (`standard_scaler`, `split`, ...), when known.
    public var method: String?
    /// The configuration field to blame (`columns`, `test_size`, ...), when there is one.
    public var field: String?
    /// A sentence a user understands.
    public var message: String

    public init(code: Code, nodeID: String? = nil, method: String? = nil, field: String? = nil, message: String) {
        self.code = code
        self.nodeID = nodeID
        self.method = method
        self.field = field
        self.message = message
    }

    public var description: String {
        var prefix = ""
        if let nodeID { prefix += "node '\(nodeID)'" }
        if let method { prefix += prefix.isEmpty ? "\(method)" : " (\(method))" }
        if let field { prefix += prefix.isEmpty ? "field '\(field)'" : ", field '\(field)'" }
        return prefix.isEmpty ? "\(message) [\(code)]" : "\(prefix): \(message) [\(code)]"
    }
}

/// Who a step is, for errors: its node id and method.
public struct StepIdentity: Sendable, Hashable {
    public let nodeID: String
    public let method: String

    public init(nodeID: String, method: String) {
        self.nodeID = nodeID
        self.method = method
    }

    func error(_ code: PreprocessingError.Code, field: String? = nil, _ message: String) -> PreprocessingError {
        PreprocessingError(code: code, nodeID: nodeID, method: method, field: field, message: message)
    }
}
