import LoomColumnar

/// `drop_columns`: removes the listed `columns` (required). The target cannot be dropped.
public struct DropColumns: TransformStep, FittedStep {
    public static let method = "drop_columns"
    public let identity: StepIdentity
    public let columns: [String]
    public var learnsFromRows: Bool { false }

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        guard let columns = try reader.columns() else {
            throw identity.error(.missingParameter, field: "columns", "drop_columns needs 'columns', the list of columns to remove")
        }
        try reader.finish()
        self.identity = identity
        self.columns = columns
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        _ = try resolveColumns(columns, in: table, target: target, by: identity, expected: "a column") { _ in true }
        return self
    }

    public func apply(to table: Table) throws(PreprocessingError) -> Table {
        var replacements: [Int: [Column]] = [:]
        for name in columns {
            guard let index = table.columns.firstIndex(where: { $0.name == name }) else {
                throw identity.error(.unknownColumn, field: "columns", "there is no column '\(name)' at this step")
            }
            replacements[index] = []
        }
        return try rebuild(table, replacing: replacements, by: identity)
    }
}
