import LoomColumnar

/// `drop_missing`: removes every row with a missing value (null, or NaN in a float
/// column) in any of `columns` (default: every column, the target included). A row
/// filter: it runs on all rows, before the split.
public struct DropMissing: RowFilterStep {
    public static let method = "drop_missing"
    public let identity: StepIdentity
    public let columns: [String]?

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        try reader.finish()
        self.identity = identity
    }

    public func keptRows(in table: Table, target: String?) throws(PreprocessingError) -> [Int] {
        let indices = try resolveColumns(columns ?? table.columns.map(\.name), in: table, target: target, by: identity, allowTarget: true, expected: "a column") { _ in true }
        var keep = [Bool](repeating: true, count: table.rowCount)
        for index in indices {
            guard let presence = table.columns[index].presence else { continue }
            for row in presence.indices where !presence[row] { keep[row] = false }
        }
        return keep.indices.filter { keep[$0] }
    }
}
