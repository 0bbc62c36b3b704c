/// The logical type of a column's values (proto/CHUNKS.md, "Column types").
public enum ColumnType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case float64 = 1
    case int64 = 2
    case bool = 3
    case string = 4

    public var description: String {
        switch self {
        case .float64: "float64"
        case .int64: "int64"
        case .bool: "bool"
        case .string: "string"
        }
    }
}

/// A column's values in typed, contiguous storage. Slots of null rows hold a
/// placeholder (0, false, "") that carries no meaning and is ignored by `==`.
public enum ColumnValues: Sendable {
    case float64([Double])
    case int64([Int64])
    case bool([Bool])
    case string(StringArray)

    public var type: ColumnType {
        switch self {
        case .float64: .float64
        case .int64: .int64
        case .bool: .bool
        case .string: .string
        }
    }

    public var count: Int {
        switch self {
        case .float64(let values): values.count
        case .int64(let values): values.count
        case .bool(let values): values.count
        case .string(let values): values.count
        }
    }
}

/// One named column: values plus, for a nullable column, a validity bitmap.
public struct Column: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public private(set) var values: ColumnValues
    /// nil for a column that is not nullable; otherwise bit i says whether row i has a value.
    public private(set) var validity: ValidityBitmap?

    public init(name: String, values: ColumnValues, validity: ValidityBitmap? = nil) throws(ColumnarError) {
        if let validity, validity.count != values.count {
            throw .lengthMismatch(column: name, expected: values.count, actual: validity.count)
        }
        self.name = name
        self.values = values
        self.validity = validity
    }

    public var type: ColumnType { values.type }
    public var count: Int { values.count }
    public var isNullable: Bool { validity != nil }
    public var nullCount: Int { validity?.nullCount ?? 0 }

    public func isNull(_ row: Int) -> Bool {
        guard let validity else { return false }
        return !validity[row]
    }

    public var description: String {
        "\(name): \(type)\(isNullable ? "?" : "") × \(count)"
    }

    public static func == (lhs: Column, rhs: Column) -> Bool {
        guard lhs.name == rhs.name, lhs.type == rhs.type, lhs.count == rhs.count,
            lhs.validity == rhs.validity
        else { return false }
        let validity = lhs.validity
        func present(_ row: Int) -> Bool { validity?[row] ?? true }
        switch (lhs.values, rhs.values) {
        case (.float64(let a), .float64(let b)):
            // Bit patterns, so that NaN equals itself and -0.0 differs from 0.0.
            return a.indices.allSatisfy { !present($0) || a[$0].bitPattern == b[$0].bitPattern }
        case (.int64(let a), .int64(let b)):
            return a.indices.allSatisfy { !present($0) || a[$0] == b[$0] }
        case (.bool(let a), .bool(let b)):
            return a.indices.allSatisfy { !present($0) || a[$0] == b[$0] }
        case (.string(let a), .string(let b)):
            return (0..<a.count).allSatisfy { !present($0) || a.utf8Equal(row: $0, b, row: $0) }
        default:
            return false
        }
    }
}

// Convenience constructors: nil elements make the column nullable.
extension Column {
    public static func float64(_ name: String, _ values: [Double]) -> Column {
        Column(unchecked: name, .float64(values), nil)
    }

    public static func int64(_ name: String, _ values: [Int64]) -> Column {
        Column(unchecked: name, .int64(values), nil)
    }

    public static func bool(_ name: String, _ values: [Bool]) -> Column {
        Column(unchecked: name, .bool(values), nil)
    }

    public static func string(_ name: String, _ values: [String]) -> Column {
        Column(unchecked: name, .string(StringArray(values)), nil)
    }

    public static func string(_ name: String, _ values: StringArray, validity: ValidityBitmap? = nil) throws(ColumnarError) -> Column {
        try Column(name: name, values: .string(values), validity: validity)
    }

    public static func float64(_ name: String, _ values: [Double?]) -> Column {
        Column(unchecked: name, .float64(values.map { $0 ?? 0 }), ValidityBitmap(values.map { $0 != nil }))
    }

    public static func int64(_ name: String, _ values: [Int64?]) -> Column {
        Column(unchecked: name, .int64(values.map { $0 ?? 0 }), ValidityBitmap(values.map { $0 != nil }))
    }

    public static func bool(_ name: String, _ values: [Bool?]) -> Column {
        Column(unchecked: name, .bool(values.map { $0 ?? false }), ValidityBitmap(values.map { $0 != nil }))
    }

    public static func string(_ name: String, _ values: [String?]) -> Column {
        Column(unchecked: name, .string(StringArray(values.map { $0 ?? "" })), ValidityBitmap(values.map { $0 != nil }))
    }

    /// For callers that built values and validity of equal length themselves.
    init(unchecked name: String, _ values: ColumnValues, _ validity: ValidityBitmap?) {
        self.name = name
        self.values = values
        self.validity = validity
    }

    public var doubles: [Double]? { if case .float64(let values) = values { values } else { nil } }
    public var integers: [Int64]? { if case .int64(let values) = values { values } else { nil } }
    public var booleans: [Bool]? { if case .bool(let values) = values { values } else { nil } }
    public var strings: StringArray? { if case .string(let values) = values { values } else { nil } }

    public func double(at row: Int) -> Double? { isNull(row) ? nil : doubles?[row] }
    public func integer(at row: Int) -> Int64? { isNull(row) ? nil : integers?[row] }
    public func boolean(at row: Int) -> Bool? { isNull(row) ? nil : booleans?[row] }
    public func string(at row: Int) -> String? { isNull(row) ? nil : strings?[row] }
}

/// Errors of the in-memory model (tables and columns), as opposed to chunk decoding.
public enum ColumnarError: Error, Equatable, CustomStringConvertible {
    case lengthMismatch(column: String, expected: Int, actual: Int)
    case duplicateColumnName(String)
    case invalidDictionaryCode(row: Int, code: UInt32, dictionaryCount: Int)
    case invalidOffsets

    public var description: String {
        switch self {
        case .lengthMismatch(let column, let expected, let actual):
            "column '\(column)' has \(actual) rows, expected \(expected)"
        case .duplicateColumnName(let name): "two columns are named '\(name)'"
        case .invalidDictionaryCode(let row, let code, let count):
            "row \(row) has dictionary code \(code) but the dictionary holds \(count) entries"
        case .invalidOffsets: "string offsets must start at 0, never decrease and end at the byte count"
        }
    }
}
