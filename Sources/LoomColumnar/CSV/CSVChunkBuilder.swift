/// Pass two over a block: turns its rows into typed columns, the types and nullability
/// fixed by pass one, so every chunk of a file has the same schema.
struct CSVChunkBuilder: CSVRowVisitor {
    let parser: CSVValueParser
    let schema: [ColumnSchema]
    let raggedRows: CSVOptions.RaggedRows
    let columns: [CSVColumnBuilder]
    private(set) var rows = 0
    private var scratch = [UInt8]()

    init(parser: CSVValueParser, schema: [ColumnSchema], raggedRows: CSVOptions.RaggedRows, expectedRows: Int, maxDictionaryEntries: Int) {
        self.parser = parser
        self.schema = schema
        self.raggedRows = raggedRows
        columns = schema.map {
            CSVColumnBuilder(type: $0.type, nullable: $0.isNullable, capacity: expectedRows, maxDictionaryEntries: maxDictionaryEntries)
        }
    }

    mutating func visitRow(_ fields: UnsafeBufferPointer<CSVField>, bytes: UnsafeRawBufferPointer, line: Int) throws(CSVError) {
        let used = try CSVInference.usableFieldCount(fields.count, expected: columns.count, policy: raggedRows, line: line)
        for index in 0..<used {
            try columns[index].append(fields[index], bytes: bytes, parser: parser, scratch: &scratch, line: line, column: index + 1)
        }
        for index in used..<columns.count { try columns[index].appendNull(line: line, column: index + 1) }
        rows += 1
    }

    func table() -> Table {
        Table(uncheckedRowCount: rows, columns: zip(schema, columns).map { $1.finish(name: $0.name, rows: rows) })
    }
}

/// One column of a chunk being built.
final class CSVColumnBuilder {
    let type: ColumnType
    let nullable: Bool
    let maxDictionaryEntries: Int
    private var doubles: [Double] = []
    private var integers: [Int64] = []
    private var booleans: [Bool] = []
    private var dictionary = ByteDictionary()
    private var codes: [UInt32] = []
    private var isPlain = false
    private var plainOffsets: [UInt32] = []
    private var plainBytes: [UInt8] = []
    private var validity: [UInt8] = []
    private var row = 0

    init(type: ColumnType, nullable: Bool, capacity: Int, maxDictionaryEntries: Int) {
        self.type = type
        self.nullable = nullable
        self.maxDictionaryEntries = maxDictionaryEntries
        switch type {
        case .float64: doubles.reserveCapacity(capacity)
        case .int64: integers.reserveCapacity(capacity)
        case .bool: booleans.reserveCapacity(capacity)
        case .string: codes.reserveCapacity(capacity)
        }
        if nullable { validity = [UInt8](repeating: 0, count: ValidityBitmap.byteCount(for: capacity)) }
    }

    @inline(__always)
    private func markPresent() {
        if nullable {
            let byte = row >> 3
            if byte >= validity.count { validity.append(contentsOf: repeatElement(0, count: byte - validity.count + 1)) }
            validity[byte] |= 1 << UInt8(row & 7)
        }
        row += 1
    }

    @inline(__always)
    func append(
        _ field: CSVField, bytes: UnsafeRawBufferPointer, parser: CSVValueParser, scratch: inout [UInt8], line: Int, column: Int
    ) throws(CSVError) {
        let text = UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
        switch type {
        case .float64:
            if let value = CSVValueParser.fastDoubleValue(text) {
                doubles.append(value)
            } else if parser.isMissing(text, classes: field.classes) {
                return try appendNull(line: line, column: column)
            } else {
                doubles.append(CSVValueParser.slowDoubleValue(text))
            }
        case .int64:
            if let value = CSVValueParser.parseInteger(text) {
                integers.append(value)
            } else if parser.isMissing(text, classes: field.classes) {
                return try appendNull(line: line, column: column)
            } else if let value = CSVValueParser.integerValue(text) {
                integers.append(value)
            } else {
                throw Self.changed(line: line, column: column)
            }
        case .bool:
            if parser.isMissing(text, classes: field.classes) { return try appendNull(line: line, column: column) }
            booleans.append(CSVValueParser.boolValue(text))
        case .string:
            if parser.isMissing(text, classes: field.classes) { return try appendNull(line: line, column: column) }
            markPresent()  // before the string, which may switch to plain storage using validity
            field.withBytes(in: bytes, scratch: &scratch) { appendString($0) }
            return
        }
        markPresent()
    }

    @inline(__always)
    private func appendString(_ text: UnsafeRawBufferPointer) {
        if isPlain {
            plainBytes.append(contentsOf: text)
            plainOffsets.append(UInt32(truncatingIfNeeded: plainBytes.count))
            return
        }
        codes.append(dictionary.add(text))
        if dictionary.count > maxDictionaryEntries { switchToPlain() }
    }

    private func switchToPlain() {
        isPlain = true
        plainOffsets = [0]
        plainOffsets.reserveCapacity(codes.capacity + 1)
        for (index, code) in codes.enumerated() {
            let isNull = nullable && validity[index >> 3] & (1 << UInt8(index & 7)) == 0
            if !isNull { plainBytes.append(contentsOf: dictionary.entryBytes(Int(code))) }
            plainOffsets.append(UInt32(truncatingIfNeeded: plainBytes.count))
        }
        codes = []
        dictionary = ByteDictionary()
    }

    func appendNull(line: Int, column: Int) throws(CSVError) {
        guard nullable else { throw Self.changed(line: line, column: column) }
        switch type {
        case .float64: doubles.append(0)
        case .int64: integers.append(0)
        case .bool: booleans.append(false)
        case .string:
            if isPlain {
                plainOffsets.append(UInt32(truncatingIfNeeded: plainBytes.count))
            } else {
                codes.append(0)
            }
        }
        if row >> 3 >= validity.count { validity.append(0) }
        row += 1
    }

    static func changed(line: Int, column: Int) -> CSVError {
        CSVError(.sourceChanged, line: line, column: column, "the value differs from the first pass: the file changed while it was read")
    }

    func finish(name: String, rows: Int) -> Column {
        let values: ColumnValues
        switch type {
        case .float64: values = .float64(doubles)
        case .int64: values = .int64(integers)
        case .bool: values = .bool(booleans)
        case .string:
            // Dictionary only when values repeat: at most half as many entries as rows.
            if !isPlain, dictionary.count * 2 > rows, dictionary.count > 1 { switchToPlain() }
            if isPlain {
                values = .string(StringArray(uncheckedStorage: .plain(offsets: plainOffsets, bytes: plainBytes)))
            } else {
                var entries = dictionary.strings
                if entries.isEmpty, rows > 0 { entries = [""] }
                values = .string(StringArray(uncheckedStorage: .dictionary(entries: entries, codes: codes)))
            }
        }
        var bitmap: ValidityBitmap? = nil
        if nullable {
            validity.removeLast(max(0, validity.count - ValidityBitmap.byteCount(for: rows)))
            bitmap = ValidityBitmap(bytes: validity, count: rows) ?? ValidityBitmap(count: rows, allValid: false)
        }
        return Column(unchecked: name, values, bitmap)
    }
}
