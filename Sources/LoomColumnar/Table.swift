/// Columns of equal length with unique names: a dataset, a chunk's rows, predictions.
public struct Table: Sendable, Equatable, CustomStringConvertible {
    public let rowCount: Int
    public private(set) var columns: [Column]

    /// Every column must have `rowCount` rows and a name no other column has.
    public init(rowCount: Int, columns: [Column]) throws(ColumnarError) {
        var names = Set<String>()
        for column in columns {
            guard column.count == rowCount else {
                throw .lengthMismatch(column: column.name, expected: rowCount, actual: column.count)
            }
            guard names.insert(column.name).inserted else { throw .duplicateColumnName(column.name) }
        }
        self.rowCount = rowCount
        self.columns = columns
    }

    init(uncheckedRowCount rowCount: Int, columns: [Column]) {
        self.rowCount = rowCount
        self.columns = columns
    }

    /// The row count is taken from the first column (0 for no columns).
    public init(columns: [Column]) throws(ColumnarError) {
        try self.init(rowCount: columns.first?.count ?? 0, columns: columns)
    }

    public var columnCount: Int { columns.count }

    public subscript(name: String) -> Column? { columns.first { $0.name == name } }

    public var schema: [ColumnSchema] {
        columns.map { ColumnSchema(name: $0.name, type: $0.type, isNullable: $0.isNullable) }
    }

    public var description: String {
        "Table(\(rowCount) rows: \(columns.map(\.description).joined(separator: ", ")))"
    }
}

/// A column's name, type and nullability: what a chunk's schema section records.
public struct ColumnSchema: Sendable, Equatable, Hashable {
    public var name: String
    public var type: ColumnType
    public var isNullable: Bool

    public init(name: String, type: ColumnType, isNullable: Bool) {
        self.name = name
        self.type = type
        self.isNullable = isNullable
    }
}
