import LoomColumnar

/// `ordinal_encoder` (also `label_encoder`): replaces each categorical column by the
/// position of its value among the training rows' sorted categories (0, 1, 2, ...), as
/// scikit-learn's OrdinalEncoder. A category not seen in the training rows becomes
/// `unknown_value` (default −1) with `handle_unknown: "use_encoded_value"` (the default),
/// or is refused with `"error"`.
public struct OrdinalEncoder: TransformStep {
    public static let method = "ordinal_encoder"
    public let identity: StepIdentity
    public let columns: [String]?
    public let handleUnknown: String
    public let unknownValue: Double
    public var learnsFromRows: Bool { true }

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        handleUnknown = try reader.string("handle_unknown", allowed: ["use_encoded_value", "error"], default: "use_encoded_value")
        unknownValue = try reader.double("unknown_value", default: -1)
        try reader.finish()
        self.identity = identity
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, expected: encodableDescription, suits: columns == nil ? isEncodedByDefault : isEncodable)
        var categories: [[String]] = []
        for index in indices {
            let counts = try categoryCounts(table.columns[index], rows: trainingRows, by: identity, purpose: imputeHint(identity.method))
            categories.append(counts.map(\.text))
        }
        return Fitted(identity: identity, columns: indices.map { table.columns[$0].name }, categories: categories,
                      unknownValue: handleUnknown == "error" ? nil : unknownValue)
    }

    public struct Fitted: FittedStep {
        public let identity: StepIdentity
        public let columns: [String]
        /// Per column, the sorted training categories; a value's code is its position here.
        public let categories: [[String]]
        /// The code of unseen categories; nil refuses them.
        public let unknownValue: Double?

        public func apply(to table: Table) throws(PreprocessingError) -> Table {
            var replacements: [Int: [Column]] = [:]
            for (name, known) in zip(columns, categories) {
                guard let index = table.columns.firstIndex(where: { $0.name == name }) else {
                    throw identity.error(.unknownColumn, field: "columns", "column '\(name)', seen when this step was fitted, is missing from the data it is applied to")
                }
                let texts = try categoryTexts(table.columns[index], by: identity, purpose: imputeHint(identity.method))
                var code: [String: Double] = [:]
                for (position, category) in known.enumerated() { code[category] = Double(position) }
                var output = [Double](repeating: 0, count: texts.count)
                for (row, text) in texts.enumerated() {
                    if let value = code[text] {
                        output[row] = value
                    } else if let unknownValue {
                        output[row] = unknownValue
                    } else {
                        throw identity.error(.unknownCategory, field: "handle_unknown", "column '\(name)' has category '\(text)' (row \(row)), which the training rows do not have; set handle_unknown to \"use_encoded_value\" to encode it as unknown_value")
                    }
                }
                replacements[index] = [try makeColumn(name, .float64(output), presence: nil, by: identity)]
            }
            return try rebuild(table, replacing: replacements, by: identity)
        }
    }
}
