import LoomColumnar

/// `simple_imputer`: fills missing values (nulls, and NaN in float columns) with a value
/// learned from the training rows, as scikit-learn's SimpleImputer: the `mean` (default)
/// or `median` of a number column, the `most_frequent` value of any column (the smallest
/// one on ties), or a `constant` `fill_value` (default 0 for numbers, false for booleans,
/// "missing_value" for text). Mean and median turn the column into float64.
public struct SimpleImputer: TransformStep {
    public static let method = "simple_imputer"
    public let identity: StepIdentity
    public let columns: [String]?
    public let strategy: String
    public let fillValue: JSONValue?
    public var learnsFromRows: Bool { strategy != "constant" }

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        strategy = try reader.string("strategy", allowed: ["mean", "median", "most_frequent", "constant"], default: "mean")
        fillValue = try reader.value("fill_value")
        if let fillValue {
            guard strategy == "constant" else {
                throw identity.error(.invalidParameter, field: "fill_value", "fill_value is used only with strategy \"constant\", not \"\(strategy)\"")
            }
            switch fillValue {
            case .number(let number) where number.isFinite: break
            case .string, .bool: break
            default:
                throw identity.error(.invalidParameter, field: "fill_value", "fill_value must be a number, a string or a boolean; got \(fillValue)")
            }
        }
        try reader.finish()
        self.identity = identity
    }

    /// A value that replaces the missing ones in a column, in the column's type.
    public enum Fill: Sendable, Equatable {
        case float64(Double)
        case int64(Int64)
        case bool(Bool)
        case string(String)
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let averages = strategy == "mean" || strategy == "median"
        let indices = try resolveColumns(
            columns, in: table, target: target, by: identity,
            expected: averages ? scalableDescription : "a column", suits: averages ? isScalable : { _ in true }
        )
        var fills: [Fill] = []
        for index in indices {
            let column = table.columns[index]
            fills.append(try learnFill(column, rows: trainingRows))
        }
        return Fitted(identity: identity, columns: indices.map { table.columns[$0].name }, fills: fills)
    }

    private func learnFill(_ column: Column, rows: [Int]) throws(PreprocessingError) -> Fill {
        switch strategy {
        case "mean", "median":
            guard let (values, presence) = numericView(column) else {
                throw identity.error(.invalidColumnType, field: "columns", "column '\(column.name)' is \(column.type); strategy \(strategy) needs \(scalableDescription)")
            }
            let present = presentValues(values, presence, rows: rows)
            try requireValues(present, column: column.name, by: identity)
            if strategy == "mean" { return .float64(meanAndVariance(present).mean) }
            return .float64(percentiles(present, [50])[0])
        case "most_frequent":
            let counts = try categoryCounts(column, rows: rows, by: identity, purpose: "", skipsMissing: true)
            guard var top = counts.first else {
                throw identity.error(.notEnoughRows, field: "columns", "column '\(column.name)' has no values in the training rows, so \(identity.method) has nothing to learn from")
            }
            // Counts are in category order, so the first of the most frequent is the smallest.
            for candidate in counts.dropFirst() where candidate.count > top.count { top = candidate }
            return value(of: column, at: top.firstRow)
        default:
            return try constantFill(for: column)
        }
    }

    private func value(of column: Column, at row: Int) -> Fill {
        switch column.values {
        case .float64(let values): .float64(values[row])
        case .int64(let values): .int64(values[row])
        case .bool(let values): .bool(values[row])
        case .string(let values): .string(values[row])
        }
    }

    private func constantFill(for column: Column) throws(PreprocessingError) -> Fill {
        switch (column.type, fillValue) {
        case (.float64, nil): return .float64(0)
        case (.int64, nil): return .int64(0)
        case (.bool, nil): return .bool(false)
        case (.string, nil): return .string("missing_value")
        case (.float64, .number(let number)?): return .float64(number)
        case (.int64, .number(let number)?):
            if number.rounded() == number, abs(number) < 9e15 { return .int64(Int64(number)) }
            return .float64(number)
        case (.bool, .bool(let flag)?): return .bool(flag)
        case (.string, .string(let text)?): return .string(text)
        case (let type, let value?):
            throw identity.error(.invalidParameter, field: "fill_value", "fill_value \(value) does not suit column '\(column.name)', which is \(type); give \(type == .string ? "a string" : type == .bool ? "true or false" : "a number") or list the columns of each type in their own simple_imputer")
        }
    }

    public struct Fitted: FittedStep {
        public let identity: StepIdentity
        public let columns: [String]
        public let fills: [Fill]

        /// The learned fill of each column as a number (nil for text), like scikit-learn's `statistics_`.
        public var statistics: [Double?] {
            fills.map {
                switch $0 {
                case .float64(let value): value
                case .int64(let value): Double(value)
                case .bool(let value): value ? 1 : 0
                case .string: nil
                }
            }
        }

        public func apply(to table: Table) throws(PreprocessingError) -> Table {
            var replacements: [Int: [Column]] = [:]
            for (name, fill) in zip(columns, fills) {
                guard let index = table.columns.firstIndex(where: { $0.name == name }) else {
                    throw identity.error(.unknownColumn, field: "columns", "column '\(name)', seen when this step was fitted, is missing from the data it is applied to")
                }
                let column = table.columns[index]
                let presence = column.presence
                let values: ColumnValues
                switch (column.values, fill) {
                case (.float64(var data), .float64(let value)):
                    if let presence { for row in data.indices where !presence[row] { data[row] = value } }
                    values = .float64(data)
                case (.int64(let data), .float64(let value)):
                    var output = data.map { Double($0) }
                    if let presence { for row in output.indices where !presence[row] { output[row] = value } }
                    values = .float64(output)
                case (.bool(let data), .float64(let value)):
                    var output = data.map { $0 ? 1.0 : 0.0 }
                    if let presence { for row in output.indices where !presence[row] { output[row] = value } }
                    values = .float64(output)
                case (.int64(var data), .int64(let value)):
                    if let presence { for row in data.indices where !presence[row] { data[row] = value } }
                    values = .int64(data)
                case (.bool(var data), .bool(let value)):
                    if let presence { for row in data.indices where !presence[row] { data[row] = value } }
                    values = .bool(data)
                case (.string(let data), .string(let value)):
                    if let presence {
                        values = .string(StringArray((0..<data.count).map { presence[$0] ? data[$0] : value }))
                    } else {
                        values = .string(data)
                    }
                default:
                    throw identity.error(.invalidColumnType, field: "columns", "column '\(name)' is \(column.type) now but was fitted as another type")
                }
                replacements[index] = [try makeColumn(name, values, presence: nil, by: identity)]
            }
            return try rebuild(table, replacing: replacements, by: identity)
        }
    }
}
