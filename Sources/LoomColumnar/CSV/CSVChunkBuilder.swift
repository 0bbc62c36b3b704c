/// Turns a block's rows into typed columns of given types and nullability: the file's
/// own (in pass two) or the ones guessed from its first rows (in the single pass, which
/// then checks every value against them, see `checksKinds`). So every chunk of a file
/// has the same schema.
///
/// Most rows of most files are plain: unquoted fields, numbers like `-12.375`, text
/// without quotes. `fastRow` parses such a row straight from the bytes, each byte read
/// once, the field boundaries found by the number parser itself. Anything else (a quote,
/// a missing value, an exponent, spaces, a boolean, a ragged row, a CR alone) makes it
/// give up on that row, which the tokenizer and `CSVColumnBuilder.set` then read the
/// general way. Both paths give the same values: the fast path only accepts forms whose
/// general parse is the same exact computation.
final class CSVChunkBuilder {
    let parser: CSVValueParser
    let schema: [ColumnSchema]
    let raggedRows: CSVOptions.RaggedRows
    let tokenizer: CSVTokenizer
    let capacity: Int
    private let columns: UnsafeMutableBufferPointer<CSVColumnBuilder>
    private let powersOfTen = PowersOfTen()
    private let stopFinder: CSVStopFinder
    /// Per column: the largest decimal scale of the values the fast path wrote, or -1
    /// once a value was written another way (see `decimalScales`).
    private let scales: UnsafeMutablePointer<Int>

    /// `checksKinds` when the schema is a guess (see `CSVIngestor`): a value its column's
    /// type cannot hold then throws instead of being converted, and a missing value in a
    /// column the guess found complete starts that column's validity bitmap.
    init(
        parser: CSVValueParser, tokenizer: CSVTokenizer, schema: [ColumnSchema], raggedRows: CSVOptions.RaggedRows,
        expectedRows: Int, maxDictionaryEntries: Int, checksKinds: Bool = false
    ) {
        self.parser = parser
        self.tokenizer = tokenizer
        self.schema = schema
        self.raggedRows = raggedRows
        capacity = expectedRows
        stopFinder = CSVStopFinder(delimiter: tokenizer.delimiter)
        columns = .allocate(capacity: schema.count)
        scales = .allocate(capacity: schema.count)
        scales.initialize(repeating: 0, count: schema.count)
        for (index, column) in schema.enumerated() {
            (columns.baseAddress! + index).initialize(to: CSVColumnBuilder(
                type: column.type, nullable: column.isNullable, capacity: expectedRows, maxDictionaryEntries: maxDictionaryEntries,
                checksKinds: checksKinds))
        }
    }

    deinit {
        for column in columns { column.deallocate() }
        columns.deinitialize()
        columns.deallocate()
        scales.deallocate()
    }

    /// A block's rows as a table, and what the chunk encoder and line numbering need.
    struct Built {
        var table: Table
        /// Per float64 column, the decimal scale of its values when the fast path read
        /// them all (each m/10^k, exactly as parsed).
        var decimalScales: [Int?]
        /// Line ends in the block, quoted ones included.
        var newlines: Int
    }

    /// Builds the block's table: at most `expectedRows` rows.
    func build(_ bytes: UnsafeRawBufferPointer) throws(CSVError) -> Built {
        var fields = CSVFieldBuffer()
        defer { fields.deallocate() }
        var scratch = [UInt8]()
        var cursor = CSVTokenizer.Cursor()
        var row = 0
        let tokenizer = self.tokenizer
        try tokenizer.withTable { (table) throws(CSVError) in
            while cursor.position < bytes.count {
                if row < capacity, let end = fastRow(bytes, from: cursor.position, row: row, table: table) {
                    cursor.position = end
                    cursor.line += 1
                    row += 1
                    continue
                }
                guard let line = try tokenizer.readRow(bytes, table: table, cursor: &cursor, into: &fields) else { break }
                guard row < capacity else { throw CSVIngestor.sourceChanged() }
                try setRow(fields.row, bytes: bytes, row: row, line: line, scratch: &scratch)
                row += 1
            }
        }
        let table = Table(uncheckedRowCount: row, columns: schema.indices.map { columns[$0].finish(name: schema[$0].name, rows: row) })
        let decimalScales = schema.indices.map { schema[$0].type == .float64 && scales[$0] >= 0 ? scales[$0] : nil }
        return Built(table: table, decimalScales: decimalScales, newlines: cursor.line - 1)
    }

    /// The general path: one tokenized row.
    private func setRow(
        _ fields: UnsafeBufferPointer<CSVField>, bytes: UnsafeRawBufferPointer, row: Int, line: Int, scratch: inout [UInt8]
    ) throws(CSVError) {
        let used = try CSVInference.usableFieldCount(fields.count, expected: columns.count, policy: raggedRows, line: line)
        for index in 0..<used {
            if try columns[index].set(fields[index], bytes: bytes, parser: parser, scratch: &scratch, row: row, line: line, column: index + 1) {
                scales[index] = -1
            }
        }
        for index in used..<columns.count { try columns[index].setNull(row: row, line: line, column: index + 1) }
    }

    /// The fast path: parses the plain row at `start` into row `row` and returns the
    /// position after its line end, or nil when the row needs the general path.
    @inline(__always)
    private func fastRow(_ bytes: UnsafeRawBufferPointer, from start: Int, row: Int, table: UnsafePointer<UInt8>) -> Int? {
        let base = bytes.baseAddress!
        let count = bytes.count
        let delimiter = tokenizer.delimiter
        let last = columns.count - 1
        let powers = UnsafePointer(powersOfTen.table)
        var position = start
        for index in 0...last {
            let isLast = index == last
            switch columns[index].type {
            case .float64:
                guard let (value, end, digits) = CSVFastNumber.double(base, from: position, count: count, powersOfTen: powers),
                    let next = CSVTokenizer.plainFieldEnd(base, count: count, at: end, isLast: isLast, delimiter: delimiter)
                else { return nil }
                columns[index].setDouble(value, row: row)
                // A column marked -1 (a value the fast path did not read) stays marked.
                let known = scales[index]
                if known >= 0, digits.fractionDigits > known, digits.scale > known { scales[index] = digits.scale }
                position = next
            case .int64:
                guard let (value, end) = CSVFastNumber.integer(base, from: position, count: count),
                    let next = CSVTokenizer.plainFieldEnd(base, count: count, at: end, isLast: isLast, delimiter: delimiter)
                else { return nil }
                columns[index].setInteger(value, row: row)
                position = next
            case .string:
                let end = stopFinder.stop(base, from: position, count: count, table: table)
                let text = UnsafeRawBufferPointer(start: base + position, count: end - position)
                guard let next = CSVTokenizer.plainFieldEnd(base, count: count, at: end, isLast: isLast, delimiter: delimiter),
                    !parser.mightBeMissing(text)
                else { return nil }
                columns[index].setString(text, row: row)
                position = next
            case .bool:
                return nil
            }
        }
        return position
    }
}
