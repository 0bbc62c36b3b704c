import LoomColumnar

/// `one_hot_encoder`: replaces each categorical column by one 0/1 column per category
/// seen in the training rows, named `column_category`, as scikit-learn's OneHotEncoder.
/// Categories are sorted. With `max_categories` (≥ 2), only the `max_categories − 1`
/// most frequent categories get their own column and the rest share `column_infrequent`.
/// A category not seen in the training rows gives all zeros (`handle_unknown: "ignore"`,
/// the default) or an error (`"error"`). `drop: "first"` drops the first category's
/// column; `"if_binary"` does so only for columns with two categories.
public struct OneHotEncoder: TransformStep {
    public static let method = "one_hot_encoder"
    public let identity: StepIdentity
    public let columns: [String]?
    public let maxCategories: Int?
    public let handleUnknown: String
    public let drop: String
    public var learnsFromRows: Bool { true }

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        maxCategories = try reader.integer("max_categories", default: nil, range: 2...100_000)
        handleUnknown = try reader.string("handle_unknown", allowed: ["ignore", "error"], default: "ignore")
        drop = try reader.string("drop", allowed: ["none", "first", "if_binary"], default: "none")
        try reader.finish()
        self.identity = identity
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, expected: encodableDescription, suits: columns == nil ? isEncodedByDefault : isEncodable)
        var encodings: [Encoding] = []
        for index in indices {
            let column = table.columns[index]
            let counts = try categoryCounts(column, rows: trainingRows, by: identity, purpose: imputeHint(Self.method))
            var frequent = counts.map(\.text)
            var infrequent: [String] = []
            if let maxCategories, counts.count > maxCategories {
                // Least frequent first; among equal counts, the earlier category (stable order).
                let byCount = counts.indices.sorted { counts[$0].count < counts[$1].count || (counts[$0].count == counts[$1].count && $0 < $1) }
                let rare = Set(byCount.prefix(counts.count - (maxCategories - 1)))
                frequent = counts.indices.filter { !rare.contains($0) }.map { counts[$0].text }
                infrequent = counts.indices.filter { rare.contains($0) }.map { counts[$0].text }
            }
            let outputs = frequent.count + (infrequent.isEmpty ? 0 : 1)
            let dropsFirst = drop == "first" || (drop == "if_binary" && outputs == 2)
            encodings.append(Encoding(column: column.name, categories: frequent, infrequentCategories: infrequent, dropsFirst: dropsFirst && outputs > 1))
        }
        return Fitted(identity: identity, encodings: encodings, ignoresUnknown: handleUnknown == "ignore")
    }

    /// What was learned for one column.
    public struct Encoding: Sendable, Equatable {
        public let column: String
        /// The categories with a column of their own, sorted.
        public let categories: [String]
        /// The categories sharing `column_infrequent` (empty when there is no such column).
        public let infrequentCategories: [String]
        public let dropsFirst: Bool

        /// The names of the output columns, in order.
        public var outputNames: [String] {
            var names = categories.map { "\(column)_\($0)" }
            if !infrequentCategories.isEmpty { names.append("\(column)_infrequent") }
            return dropsFirst ? Array(names.dropFirst()) : names
        }
    }

    public struct Fitted: FittedStep {
        public let identity: StepIdentity
        public let encodings: [Encoding]
        public let ignoresUnknown: Bool

        public func apply(to table: Table) throws(PreprocessingError) -> Table {
            var replacements: [Int: [Column]] = [:]
            for encoding in encodings {
                guard let index = table.columns.firstIndex(where: { $0.name == encoding.column }) else {
                    throw identity.error(.unknownColumn, field: "columns", "column '\(encoding.column)', seen when this step was fitted, is missing from the data it is applied to")
                }
                let texts = try categoryTexts(table.columns[index], by: identity, purpose: imputeHint(identity.method))
                var slot: [String: Int] = [:]
                for (position, category) in encoding.categories.enumerated() { slot[category] = position }
                for category in encoding.infrequentCategories { slot[category] = encoding.categories.count }
                let width = encoding.categories.count + (encoding.infrequentCategories.isEmpty ? 0 : 1)
                let first = encoding.dropsFirst ? 1 : 0
                var outputs = [[Double]](repeating: [Double](repeating: 0, count: table.rowCount), count: width - first)
                for (row, text) in texts.enumerated() {
                    guard let position = slot[text] else {
                        if ignoresUnknown { continue }
                        throw identity.error(.unknownCategory, field: "handle_unknown", "column '\(encoding.column)' has category '\(text)' (row \(row)), which the training rows do not have; set handle_unknown to \"ignore\" to encode it as all zeros")
                    }
                    if position >= first { outputs[position - first][row] = 1 }
                }
                var columns: [Column] = []
                for (name, values) in zip(encoding.outputNames, outputs) {
                    columns.append(try makeColumn(name, .float64(values), presence: nil, by: identity))
                }
                replacements[index] = columns
            }
            return try rebuild(table, replacing: replacements, by: identity)
        }
    }
}
