/// One column of a chunk being built, in typed buffers sized for the chunk's rows (at
/// most `rowsPerChunk`; pass two knows them exactly). Every write names its row, so a row that the fast path starts and
/// then hands to the general path is simply written again: nothing needs undoing.
///
/// The buffers are raw memory owned by the builder (not Swift arrays): the per-field
/// writes then cost a store, with no uniqueness or exclusivity checks. `deallocate`
/// frees them; `finish` copies them into the column.
struct CSVColumnBuilder {
    let type: ColumnType
    let nullable: Bool
    let capacity: Int
    let maxDictionaryEntries: Int
    /// Whether `set` refuses a value of a kind the type cannot hold, and a column that is
    /// not nullable starts a validity bitmap at its first missing value rather than
    /// refusing it (the schema is a guess, see `CSVChunkBuilder`).
    let checksKinds: Bool
    /// float64 and int64 values (8 bytes a row) or bools (1 byte a row); unused for strings.
    let values: UnsafeMutableRawPointer
    /// Dictionary codes of a string column, one a row.
    let codes: UnsafeMutablePointer<UInt32>
    /// Validity bits (zeroed), for a nullable column, or once a guessed column met a
    /// missing value.
    private(set) var validity: UnsafeMutablePointer<UInt8>?
    var dictionary = ByteDictionary()
    /// Once a chunk's strings have too many distinct values, they are stored plainly:
    /// row r is `plainBytes[plainOffsets[r]..<plainOffsets[r + 1]]`.
    private(set) var isPlain = false
    private var plainOffsets: [UInt32] = []
    private var plainBytes: [UInt8] = []

    init(type: ColumnType, nullable: Bool, capacity: Int, maxDictionaryEntries: Int, checksKinds: Bool = false) {
        self.type = type
        self.nullable = nullable
        self.capacity = capacity
        self.maxDictionaryEntries = maxDictionaryEntries
        self.checksKinds = checksKinds
        let width = type == .bool ? 1 : 8
        values = .allocate(byteCount: type == .string ? 0 : capacity * width, alignment: 8)
        codes = .allocate(capacity: type == .string ? capacity : 0)
        validity = nullable ? Self.bitmap(capacity: capacity, validRows: 0) : nil
    }

    /// Validity bits for `capacity` rows, the first `validRows` of them set.
    private static func bitmap(capacity: Int, validRows: Int) -> UnsafeMutablePointer<UInt8> {
        let byteCount = ValidityBitmap.byteCount(for: capacity)
        let bits = UnsafeMutablePointer<UInt8>.allocate(capacity: byteCount)
        bits.initialize(repeating: 0, count: byteCount)
        bits.update(repeating: 0xFF, count: validRows / 8)
        for row in (validRows / 8 * 8)..<validRows { bits[row >> 3] |= 1 << UInt8(row & 7) }
        return bits
    }

    func deallocate() {
        values.deallocate()
        codes.deallocate()
        validity?.deallocate()
    }

    // MARK: - Writes by row

    @inline(__always)
    func setDouble(_ value: Double, row: Int) {
        values.storeBytes(of: value, toByteOffset: row &* 8, as: Double.self)
        markPresent(row)
    }

    @inline(__always)
    func setInteger(_ value: Int64, row: Int) {
        values.storeBytes(of: value, toByteOffset: row &* 8, as: Int64.self)
        markPresent(row)
    }

    @inline(__always)
    func markPresent(_ row: Int) {
        if let validity { validity[row &>> 3] |= 1 &<< UInt8(truncatingIfNeeded: row & 7) }
    }

    @inline(__always)
    mutating func setString(_ text: UnsafeRawBufferPointer, row: Int) {
        markPresent(row)
        if isPlain { return setPlain(text, row: row) }
        codes[row] = dictionary.add(text)
        if dictionary.count > maxDictionaryEntries { switchToPlain(rows: row + 1) }
    }

    /// The general path for one field of a row: any text the column's kinds allow for the
    /// column's type, or a missing value. Returns whether it wrote a float64 value (the
    /// chunk then has a value the fast path did not read).
    @inline(__always)
    @discardableResult
    mutating func set(
        _ field: CSVField, bytes: UnsafeRawBufferPointer, parser: CSVValueParser, scratch: inout [UInt8], row: Int, line: Int,
        column: Int
    ) throws(CSVError) -> Bool {
        let text = UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
        switch type {
        case .float64:
            if let value = CSVValueParser.fastDoubleValue(text) {
                setDouble(value, row: row)
            } else if parser.isMissing(text, classes: field.classes) {
                try setNull(row: row, line: line, column: column)
                return false
            } else {
                if checksKinds, !CSVValueKinds([.integer, .float]).isSuperset(of: parser.classify(text, classes: field.classes) ?? []) {
                    throw Self.changed(line: line, column: column)
                }
                setDouble(CSVValueParser.slowDoubleValue(text), row: row)
            }
            return true
        case .int64:
            if let value = CSVValueParser.parseInteger(text) {
                setInteger(value, row: row)
            } else if parser.isMissing(text, classes: field.classes) {
                try setNull(row: row, line: line, column: column)
            } else if let value = CSVValueParser.integerValue(text) {
                setInteger(value, row: row)
            } else {
                throw Self.changed(line: line, column: column)
            }
        case .bool:
            if parser.isMissing(text, classes: field.classes) {
                try setNull(row: row, line: line, column: column)
                return false
            }
            if checksKinds, parser.classify(text, classes: field.classes) != .bool { throw Self.changed(line: line, column: column) }
            values.storeBytes(of: CSVValueParser.boolValue(text), toByteOffset: row, as: Bool.self)
            markPresent(row)
        case .string:
            if parser.isMissing(text, classes: field.classes) {
                try setNull(row: row, line: line, column: column)
                return false
            }
            field.withBytes(in: bytes, scratch: &scratch) { setString($0, row: row) }
        }
        return false
    }

    mutating func setNull(row: Int, line: Int, column: Int) throws(CSVError) {
        if validity == nil, checksKinds { validity = Self.bitmap(capacity: capacity, validRows: row) }
        guard let validity else { throw Self.changed(line: line, column: column) }
        validity[row >> 3] &= ~(1 << UInt8(row & 7))
        switch type {
        case .float64, .int64: values.storeBytes(of: 0, toByteOffset: row * 8, as: UInt64.self)
        case .bool: values.storeBytes(of: false, toByteOffset: row, as: Bool.self)
        case .string:
            if isPlain {
                setPlain(UnsafeRawBufferPointer(start: nil, count: 0), row: row)
            } else {
                codes[row] = 0
            }
        }
    }

    /// A value (or a missing value) the column's type cannot hold: the file changed since
    /// pass one, or a guessed type was wrong (the caller then infers the block's types).
    static func changed(line: Int, column: Int) -> CSVError {
        CSVError(.sourceChanged, line: line, column: column, "the value differs from the first pass: the file changed while it was read")
    }

    // MARK: - Plain strings

    /// Rows before `row` are written; a row written before (by an abandoned fast path)
    /// is cut off first.
    private mutating func setPlain(_ text: UnsafeRawBufferPointer, row: Int) {
        if plainOffsets.count > row + 1 {
            plainOffsets.removeLast(plainOffsets.count - (row + 1))
            plainBytes.removeLast(plainBytes.count - Int(plainOffsets[row]))
        }
        plainBytes.append(contentsOf: text)
        plainOffsets.append(UInt32(truncatingIfNeeded: plainBytes.count))
    }

    private func isValid(_ row: Int) -> Bool {
        guard let validity else { return true }
        return validity[row >> 3] & (1 << UInt8(row & 7)) != 0
    }

    private mutating func switchToPlain(rows: Int) {
        isPlain = true
        plainOffsets = [0]
        plainOffsets.reserveCapacity(capacity + 1)
        for row in 0..<rows {
            if isValid(row) { plainBytes.append(contentsOf: dictionary.entryBytes(Int(codes[row]))) }
            plainOffsets.append(UInt32(truncatingIfNeeded: plainBytes.count))
        }
        dictionary = ByteDictionary()
    }

    // MARK: - The column

    mutating func finish(name: String, rows: Int) -> Column {
        let columnValues: ColumnValues
        switch type {
        case .float64:
            columnValues = .float64(Array(UnsafeBufferPointer(start: values.assumingMemoryBound(to: Double.self), count: rows)))
        case .int64:
            columnValues = .int64(Array(UnsafeBufferPointer(start: values.assumingMemoryBound(to: Int64.self), count: rows)))
        case .bool:
            columnValues = .bool(Array(UnsafeBufferPointer(start: values.assumingMemoryBound(to: Bool.self), count: rows)))
        case .string:
            // Dictionary only when values repeat: at most half as many entries as rows.
            if !isPlain, dictionary.count * 2 > rows, dictionary.count > 1 { switchToPlain(rows: rows) }
            if isPlain {
                columnValues = .string(StringArray(uncheckedStorage: .plain(offsets: plainOffsets, bytes: plainBytes)))
            } else {
                var entries = dictionary.strings
                if entries.isEmpty, rows > 0 { entries = [""] }
                columnValues = .string(StringArray(uncheckedStorage: .dictionary(
                    entries: entries, codes: Array(UnsafeBufferPointer(start: codes, count: rows)))))
            }
        }
        var bitmap: ValidityBitmap? = nil
        if let validity {
            let bytes = Array(UnsafeBufferPointer(start: validity, count: ValidityBitmap.byteCount(for: rows)))
            bitmap = ValidityBitmap(bytes: bytes, count: rows) ?? ValidityBitmap(count: rows, allValid: false)
        }
        return Column(unchecked: name, columnValues, bitmap)
    }
}
