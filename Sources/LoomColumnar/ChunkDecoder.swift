/// Decodes a chunk (proto/CHUNKS.md) into a table. Any input — truncated, corrupted,
/// hostile — either decodes or throws a `ChunkError`; it never traps, and it never
/// allocates more than `maxDecodedBytes` however large the lengths it claims.
public struct ChunkDecoder: Sendable {
    public var maxRows: Int
    public var maxDecodedBytes: Int

    public init(maxRows: Int = 1 << 24, maxDecodedBytes: Int = 1 << 30) {
        self.maxRows = maxRows
        self.maxDecodedBytes = maxDecodedBytes
    }

    public func decode(_ chunk: [UInt8]) throws(ChunkError) -> Table {
        try chunk.withUnsafeBytes { bytes in Result { () throws(ChunkError) in try decode(bytes) } }.get()
    }

    public func decode(_ chunk: UnsafeRawBufferPointer) throws(ChunkError) -> Table {
        try Self.verifyChecksum(chunk)
        var parser = ChunkParser(chunk: chunk, maxRows: maxRows, budget: maxDecodedBytes)
        return try parser.parse()
    }

    /// Checks the trailer against the bytes before it.
    public static func verifyChecksum(_ chunk: UnsafeRawBufferPointer) throws(ChunkError) {
        guard chunk.count >= ChunkFormat.headerSize + ChunkFormat.trailerSize else {
            throw .truncated(offset: chunk.count, needed: ChunkFormat.headerSize + ChunkFormat.trailerSize - chunk.count)
        }
        let bodyCount = chunk.count - ChunkFormat.trailerSize
        let stored = UInt64(littleEndian: chunk.loadUnaligned(fromByteOffset: bodyCount, as: UInt64.self))
        let computed = XXHash64.hash(UnsafeRawBufferPointer(rebasing: chunk[0..<bodyCount]))
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
    }

    /// The row count and schema, read without decoding any column (checksum verified).
    public func schema(of chunk: [UInt8]) throws(ChunkError) -> (rowCount: Int, columns: [ColumnSchema]) {
        try chunk.withUnsafeBytes { bytes in
            Result { () throws(ChunkError) in
                try Self.verifyChecksum(bytes)
                var parser = ChunkParser(chunk: bytes, maxRows: maxRows, budget: maxDecodedBytes)
                return try parser.parseHeader()
            }
        }.get()
    }
}

/// A bounds-checked cursor over a chunk's bytes.
struct ChunkReader {
    let bytes: UnsafeRawBufferPointer
    let end: Int
    var offset = 0

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(ChunkError) -> T {
        let size = MemoryLayout<T>.size
        guard end - offset >= size else { throw .truncated(offset: offset, needed: size) }
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    mutating func readBytes(_ count: Int) throws(ChunkError) -> UnsafeRawBufferPointer {
        guard count >= 0, end - offset >= count else { throw .truncated(offset: offset, needed: count) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        offset += count
        return slice
    }
}

/// The state of one decode: cursor, allocation budget and scratch memory.
struct ChunkParser {
    private var reader: ChunkReader
    private let maxRows: Int
    private var budget: Int
    private let decompressed = ByteStorage(capacity: 1 << 16)
    private let unshuffled = ByteStorage(capacity: 1 << 16)
    private var rowCount = 0
    private var schema: [ColumnSchema] = []

    init(chunk: UnsafeRawBufferPointer, maxRows: Int, budget: Int) {
        reader = ChunkReader(bytes: chunk, end: chunk.count - ChunkFormat.trailerSize)
        self.maxRows = maxRows
        self.budget = budget
    }

    mutating func parseHeader() throws(ChunkError) -> (rowCount: Int, columns: [ColumnSchema]) {
        let magic = try reader.read(UInt32.self)
        guard magic == ChunkFormat.magic else { throw .badMagic(magic) }
        let version = try reader.read(UInt16.self)
        guard version == ChunkFormat.version else { throw .unsupportedVersion(version) }
        let flags = try reader.read(UInt16.self)
        guard flags == 0 else { throw .reservedFlags(flags) }
        rowCount = Int(try reader.read(UInt32.self))
        guard rowCount <= maxRows else { throw .tooManyRows(rowCount, limit: maxRows) }
        let columnCount = Int(try reader.read(UInt16.self))
        var names = Set<String>()
        for index in 0..<columnCount {
            let nameBytes = try reader.readBytes(Int(try reader.read(UInt16.self)))
            guard UTF8Validation.isValid(nameBytes) else { throw .invalidName(column: index) }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard names.insert(name).inserted else { throw .duplicateColumnName(name) }
            let typeCode = try reader.read(UInt8.self)
            guard let type = ColumnType(rawValue: typeCode) else { throw .invalidColumnType(column: name, typeCode) }
            let flags = try reader.read(UInt8.self)
            guard flags & ~ChunkFormat.nullableFlag == 0 else { throw .invalidColumnFlags(column: name, flags) }
            schema.append(ColumnSchema(name: name, type: type, isNullable: flags != 0))
        }
        return (rowCount, schema)
    }

    mutating func parse() throws(ChunkError) -> Table {
        _ = try parseHeader()
        var columns = [Column]()
        columns.reserveCapacity(schema.count)
        for column in schema {
            columns.append(try parseColumn(column))
        }
        guard reader.offset == reader.end else { throw .trailingBytes(offset: reader.offset) }
        return Table(uncheckedRowCount: rowCount, columns: columns)
    }

    private mutating func parseColumn(_ schema: ColumnSchema) throws(ChunkError) -> Column {
        let name = schema.name
        let count = rowCount
        var validity: ValidityBitmap? = nil
        if schema.isNullable {
            let byteCount = ValidityBitmap.byteCount(for: count)
            let bytes = try readArray(UInt8.self, count: byteCount, column: name)
            guard let bitmap = ValidityBitmap(bytes: bytes, count: count) else { throw .invalidValidity(column: name) }
            validity = bitmap
        }
        let encodingCode = try reader.read(UInt8.self)
        guard let encoding = ColumnEncoding(rawValue: encodingCode) else { throw .invalidEncoding(column: name, encodingCode) }
        let values: ColumnValues
        switch (schema.type, encoding) {
        case (.float64, .plain):
            values = .float64(try readArray(Double.self, count: count, column: name))
        case (.float64, .decimal):
            let scale = Int(try reader.read(UInt8.self))
            guard scale <= ChunkFormat.maximumDecimalScale else { throw .invalidDecimalScale(column: name, scale) }
            let minimum = try reader.read(Int64.self)
            let factor = DecimalPlan.powersOfTen[scale]
            var doubles = try readPacked(Double.self, count: count, maximumWidth: 64, column: name) {
                Double(minimum &+ Int64(bitPattern: $0)) / factor
            }
            try readDecimalExceptions(into: &doubles, column: name)
            values = .float64(doubles)
        case (.int64, .plain):
            values = .int64(try readArray(Int64.self, count: count, column: name))
        case (.int64, .frameOfReference):
            let minimum = try reader.read(Int64.self)
            values = .int64(try readPacked(Int64.self, count: count, maximumWidth: 64, column: name) { minimum &+ Int64(bitPattern: $0) })
        case (.bool, .plain):
            values = .bool(try readPacked(Bool.self, count: count, width: 1, column: name) { $0 != 0 })
        case (.string, .plain):
            values = .string(try readPlainStrings(count: count, column: name))
        case (.string, .dictionary):
            values = .string(try readDictionaryStrings(count: count, validity: validity, column: name))
        default:
            throw .invalidEncoding(column: name, encodingCode)
        }
        return Column(unchecked: name, values, validity)
    }

    // MARK: - Buffers

    private mutating func charge(_ bytes: Int) throws(ChunkError) {
        guard bytes >= 0, bytes <= budget else { throw .decodedSizeLimit(limit: budget) }
        budget -= bytes
    }

    /// Reads one buffer and returns its raw bytes (valid until the next buffer is read).
    /// `expected`, when known, is the raw length the buffer must have.
    private mutating func readBuffer(expected: Int?, column: String) throws(ChunkError) -> UnsafeRawBufferPointer {
        let codecCode = try reader.read(UInt8.self)
        let shuffle = Int(try reader.read(UInt8.self))
        let rawCount = Int(try reader.read(UInt32.self))
        let storedCount = Int(try reader.read(UInt32.self))
        guard let codec = BufferCodec(rawValue: codecCode) else {
            throw .invalidBuffer(column: column, reason: "unknown codec \(codecCode)")
        }
        guard [0, 2, 4, 8].contains(shuffle) else {
            throw .invalidBuffer(column: column, reason: "invalid shuffle width \(shuffle)")
        }
        if let expected, rawCount != expected {
            throw .invalidBuffer(column: column, reason: "raw length \(rawCount), expected \(expected)")
        }
        let stored = try reader.readBytes(storedCount)
        var raw: UnsafeRawBufferPointer
        switch codec {
        case .raw:
            guard storedCount == rawCount else {
                throw .invalidBuffer(column: column, reason: "raw buffer stores \(storedCount) bytes for \(rawCount)")
            }
            raw = stored
        case .lz4:
            // LZ4 expands at most 255:1; a larger claim is a lie, refused before allocating.
            guard rawCount <= storedCount &* 255 &+ 16 else {
                throw .invalidBuffer(column: column, reason: "raw length \(rawCount) impossible for \(storedCount) LZ4 bytes")
            }
            try charge(rawCount)
            let target = decompressed.scratch(rawCount)
            do {
                try LZ4Block.decompress(stored, into: target, rawCount: rawCount)
            } catch {
                throw .compression(column: column, error)
            }
            raw = UnsafeRawBufferPointer(start: target, count: rawCount)
        }
        if shuffle > 1, rawCount > 0, let source = raw.baseAddress {
            let target = unshuffled.scratch(rawCount)
            ByteShuffle.unshuffle(source, into: target, byteCount: rawCount, width: shuffle)
            raw = UnsafeRawBufferPointer(start: target, count: rawCount)
        }
        return raw
    }

    /// A buffer of `count` fixed-width little-endian values copied into an array.
    private mutating func readArray<T>(_: T.Type, count: Int, column: String) throws(ChunkError) -> [T] {
        let byteCount = count * MemoryLayout<T>.stride
        let raw = try readBuffer(expected: byteCount, column: column)
        try charge(byteCount)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let target = buffer.baseAddress, let source = raw.baseAddress {
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: byteCount)
            }
            initialized = count
        }
    }

    /// A bit width (at most `maximumWidth`) and a packed buffer, turned into values.
    @inline(__always)
    private mutating func readPacked<T>(
        _: T.Type, count: Int, maximumWidth: Int, column: String, _ transform: (UInt64) -> T
    ) throws(ChunkError) -> [T] {
        let width = Int(try reader.read(UInt8.self))
        guard width <= maximumWidth else { throw .invalidBitWidth(column: column, width) }
        return try readPacked(T.self, count: count, width: width, column: column, transform)
    }

    @inline(__always)
    private mutating func readPacked<T>(
        _: T.Type, count: Int, width: Int, column: String, _ transform: (UInt64) -> T
    ) throws(ChunkError) -> [T] {
        guard let byteCount = BitPacking.byteCount(count: count, width: width) else {
            throw .invalidBitWidth(column: column, width)
        }
        let raw = try readBuffer(expected: byteCount, column: column)
        try charge(count * MemoryLayout<T>.stride)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let source = raw.baseAddress {
                BitPacking.unpack(count: count, width: width, from: source, byteCount: byteCount) { index, value in
                    (buffer.baseAddress.unsafelyUnwrapped + index).initialize(to: transform(value))
                }
            } else {
                for index in 0..<count { (buffer.baseAddress.unsafelyUnwrapped + index).initialize(to: transform(0)) }
            }
            initialized = count
        }
    }

    /// The exception list of a decimal column: a count, then rows (u32, increasing) and
    /// the values' bits (u64) that replace the decoded values at those rows.
    private mutating func readDecimalExceptions(into values: inout [Double], column: String) throws(ChunkError) {
        let count = Int(try reader.read(UInt32.self))
        guard count > 0 else { return }
        guard count <= values.count else {
            throw .invalidBuffer(column: column, reason: "\(count) exceptions for \(values.count) rows")
        }
        let raw = try readBuffer(expected: count * 12, column: column)
        guard let base = raw.baseAddress else { return }
        var previous = -1
        for index in 0..<count {
            let row = Int(base.loadLE32(index * 4))
            guard row > previous, row < values.count else {
                throw .invalidBuffer(column: column, reason: "exception rows must increase and stay below \(values.count)")
            }
            values[row] = Double(bitPattern: base.loadLE64(count * 4 + index * 8))
            previous = row
        }
    }

    // MARK: - Strings

    /// Offsets (count + 1 of them) and the UTF-8 bytes they index, validated.
    private mutating func readOffsetsAndBytes(count: Int, column: String) throws(ChunkError) -> (offsets: [UInt32], bytes: [UInt8]) {
        let offsets = try readArray(UInt32.self, count: count + 1, column: column)
        var previous: UInt32 = 0
        guard offsets[0] == 0 else { throw .invalidOffsets(column: column) }
        for offset in offsets {
            guard offset >= previous else { throw .invalidOffsets(column: column) }
            previous = offset
        }
        let bytes = try readArray(UInt8.self, count: Int(previous), column: column)
        let valid = bytes.withUnsafeBytes { raw in
            UTF8Validation.isValid(raw) && offsets.allSatisfy { UTF8Validation.isBoundary(raw, Int($0)) }
        }
        guard valid else { throw .invalidUTF8(column: column) }
        return (offsets, bytes)
    }

    private mutating func readPlainStrings(count: Int, column: String) throws(ChunkError) -> StringArray {
        let (offsets, bytes) = try readOffsetsAndBytes(count: count, column: column)
        return StringArray(uncheckedStorage: .plain(offsets: offsets, bytes: bytes))
    }

    private mutating func readDictionaryStrings(count: Int, validity: ValidityBitmap?, column: String) throws(ChunkError) -> StringArray {
        let entryCount = Int(try reader.read(UInt32.self))
        guard entryCount <= count else {
            throw .invalidBuffer(column: column, reason: "dictionary of \(entryCount) entries for \(count) rows")
        }
        let (offsets, bytes) = try readOffsetsAndBytes(count: entryCount, column: column)
        let entries = (0..<entryCount).map { index in
            String(decoding: bytes[Int(offsets[index])..<Int(offsets[index + 1])], as: UTF8.self)
        }
        var codes = try readPacked(UInt32.self, count: count, maximumWidth: 32, column: column) { UInt32(truncatingIfNeeded: $0) }
        let limit = UInt32(entryCount)
        let bits = validity?.bytes ?? []
        try codes.withUnsafeMutableBufferPointer { codes throws(ChunkError) in
            try bits.withUnsafeBufferPointer { bits throws(ChunkError) in
                let validityBits = validity == nil ? nil : bits.baseAddress
                for row in 0..<count where codes[row] >= limit {
                    // A null row's code means nothing; keep it inside the dictionary.
                    guard !isValid(validityBits, row) else { throw .invalidDictionaryCode(column: column, row: row) }
                    codes[row] = 0
                }
            }
        }
        // Rows that are all null still read as "" through the placeholder entry.
        let readable = entries.isEmpty && count > 0 ? [""] : entries
        return StringArray(uncheckedStorage: .dictionary(entries: readable, codes: codes))
    }
}
