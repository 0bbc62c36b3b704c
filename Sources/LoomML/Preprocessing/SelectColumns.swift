import LoomColumnar

/// `select_columns`: keeps only the listed `columns` (required), in the order listed;
/// the target column is always kept, after them.
public struct SelectColumns: TransformStep, FittedStep {
    public static let method = "select_columns"
    public let identity: StepIdentity
    public let columns: [String]
    public var learnsFromRows: Bool { false }
    /// Set by `fit`: the target, which is kept whether listed or not.
    private var target: String?

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        guard let columns = try reader.columns() else {
            throw identity.error(.missingParameter, field: "columns", "select_columns needs 'columns', the list of columns to keep")
        }
        try reader.finish()
        self.identity = identity
        self.columns = columns
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        _ = try resolveColumns(columns, in: table, target: target, by: identity, allowTarget: true, expected: "a column") { _ in true }
        var fitted = self
        fitted.target = target
        return fitted
    }

    public func apply(to table: Table) throws(PreprocessingError) -> Table {
        var kept: [Column] = []
        for name in columns {
            guard let column = table[name] else {
                throw identity.error(.unknownColumn, field: "columns", "there is no column '\(name)' at this step")
            }
            kept.append(column)
        }
        if let target, !columns.contains(target), let column = table[target] { kept.append(column) }
        do {
            return try Table(rowCount: table.rowCount, columns: kept)
        } catch {
            throw identity.error(.internalError, "could not build the table: \(error)")
        }
    }
}
