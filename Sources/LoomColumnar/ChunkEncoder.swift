/// Encodes a table, or a range of its rows, into one chunk (proto/CHUNKS.md).
///
/// The encoding is deterministic: the same rows and options give the same bytes (with
/// the same liblz4), which is what makes content hashes useful as cache keys.
public struct ChunkEncoder: Sendable {
    public static let defaultRowsPerChunk = 65_536

    /// Whether to try LZ4 on each buffer; off stores every buffer raw.
    public var compresses: Bool

    public init(compresses: Bool = true) {
        self.compresses = compresses
    }

    public func encode(_ table: Table) throws(ChunkError) -> [UInt8] {
        try encode(table, rows: 0..<table.rowCount)
    }

    /// `encode` for a table whose float64 column i, when `decimalScales[i]` is not nil,
    /// holds only values m/10^k exactly as parsed with k at most that scale and the scale
    /// the least such (the CSV reader's fast path knows this). The bytes are the same;
    /// the decimal plan just skips its trial divisions.
    func encode(_ table: Table, decimalScales: [Int?]) throws(ChunkError) -> [UInt8] {
        try encode(table, rows: 0..<table.rowCount, decimalScales: decimalScales)
    }

    /// Encodes rows `rows` of `table`, which must lie within the table.
    public func encode(_ table: Table, rows: Range<Int>) throws(ChunkError) -> [UInt8] {
        try encode(table, rows: rows, decimalScales: nil)
    }

    func encode(_ table: Table, rows: Range<Int>, decimalScales: [Int?]?) throws(ChunkError) -> [UInt8] {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= table.rowCount, "rows \(rows) outside the table")
        guard rows.count <= Int(UInt32.max) else { throw .tooManyRows(rows.count, limit: Int(UInt32.max)) }
        guard table.columnCount <= Int(UInt16.max) else { throw .tooManyColumns(table.columnCount) }
        let writer = ChunkWriter(compresses: compresses, estimatedSize: rows.count * table.columnCount * 4 + 256)
        writer.output.append(ChunkFormat.magic)
        writer.output.append(ChunkFormat.version)
        writer.output.append(UInt16(0))
        writer.output.append(UInt32(rows.count))
        writer.output.append(UInt16(table.columnCount))
        for column in table.columns {
            var name = column.name
            let nameLength = name.utf8.count
            guard nameLength <= Int(UInt16.max) else { throw .tooLarge("column name of \(nameLength) bytes") }
            writer.output.append(UInt16(nameLength))
            name.withUTF8 { writer.output.append(UnsafeRawBufferPointer($0)) }
            writer.output.append(column.type.rawValue)
            writer.output.append(column.isNullable ? ChunkFormat.nullableFlag : 0)
        }
        for (index, column) in table.columns.enumerated() {
            try writer.writeColumn(column, rows: rows, decimalScale: decimalScales?[index] ?? nil)
        }
        let checksum = XXHash64.hash(UnsafeRawBufferPointer(start: writer.output.base, count: writer.output.count))
        writer.output.append(checksum)
        return writer.output.bytes
    }
}

/// The working state of one `encode` call.
final class ChunkWriter {
    let output: ByteStorage
    private let staging = ByteStorage(capacity: 1 << 16)
    private let shuffled = ByteStorage(capacity: 1 << 16)
    private let validityBits = ByteStorage(capacity: 1 << 13)
    /// A float64 column's decimal mantissas, found while planning and then packed.
    private let mantissas = ByteStorage(capacity: 1 << 16)
    private let compresses: Bool

    init(compresses: Bool, estimatedSize: Int) {
        self.compresses = compresses
        output = ByteStorage(capacity: estimatedSize)
    }

    func writeColumn(_ column: Column, rows: Range<Int>, decimalScale: Int? = nil) throws(ChunkError) {
        let count = rows.count
        var validity: UnsafePointer<UInt8>? = nil
        if let bitmap = column.validity {
            let byteCount = ValidityBitmap.byteCount(for: count)
            let bits = validityBits.scratch(byteCount)
            bitmap.bytes.withUnsafeBufferPointer { source in
                ValidityBitmap.copyBits(
                    from: source, start: rows.lowerBound, count: count,
                    into: UnsafeMutableBufferPointer(start: bits.assumingMemoryBound(to: UInt8.self), count: byteCount))
            }
            try writeBuffer(UnsafeRawPointer(bits), count: byteCount, shuffleWidth: 0, column: column.name)
            validity = UnsafePointer(bits.assumingMemoryBound(to: UInt8.self))
        }
        switch column.values {
        case .float64(let values):
            try values.withUnsafeBufferPointer { all throws(ChunkError) in
                try writeFloat64(UnsafeBufferPointer(rebasing: all[rows]), validity: validity, decimalScale: decimalScale, column: column.name)
            }
        case .int64(let values):
            try values.withUnsafeBufferPointer { all throws(ChunkError) in
                try writeInt64(UnsafeBufferPointer(rebasing: all[rows]), validity: validity, column: column.name)
            }
        case .bool(let values):
            try values.withUnsafeBufferPointer { all throws(ChunkError) in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                output.append(ColumnEncoding.plain.rawValue)
                try writePacked(count: count, width: 1, column: column.name) { row in
                    slice[row] && isValid(validity, row) ? 1 : 0
                }
            }
        case .string(let values):
            try writeStrings(values, rows: rows, validity: validity, column: column.name)
        }
    }

    private func writeFloat64(
        _ values: UnsafeBufferPointer<Double>, validity: UnsafePointer<UInt8>?, decimalScale: Int?, column: String
    ) throws(ChunkError) {
        let mantissas = self.mantissas.scratch(values.count * 8).bindMemory(to: Int64.self, capacity: values.count)
        if let plan = DecimalPlan(values, validity: validity, mantissas: mantissas, knownScale: decimalScale) {
            output.append(ColumnEncoding.decimal.rawValue)
            output.append(UInt8(plan.scale))
            output.append(plan.minimum)
            output.append(UInt8(plan.width))
            let minimum = plan.minimum
            try writePacked(count: values.count, width: plan.width, column: column) { row in
                let mantissa = mantissas[row]
                return mantissa == DecimalPlan.noMantissa ? 0 : UInt64(bitPattern: mantissa &- minimum)
            }
            // Values no decimal can hold (NaN, ±infinity, -0.0), patched in by row.
            output.append(UInt32(plan.exceptions.count))
            if !plan.exceptions.isEmpty {
                let count = plan.exceptions.count
                let stage = staging.scratch(count * 12)
                for (index, row) in plan.exceptions.enumerated() {
                    stage.storeBytes(of: row.littleEndian, toByteOffset: index * 4, as: UInt32.self)
                    stage.storeBytes(of: values[Int(row)].bitPattern.littleEndian, toByteOffset: count * 4 + index * 8, as: UInt64.self)
                }
                try writeBuffer(UnsafeRawPointer(stage), count: count * 12, shuffleWidth: 0, column: column)
            }
        } else {
            output.append(ColumnEncoding.plain.rawValue)
            try writeFixedWidth(values, validity: validity, column: column)
        }
    }

    private func writeInt64(_ values: UnsafeBufferPointer<Int64>, validity: UnsafePointer<UInt8>?, column: String) throws(ChunkError) {
        var minimum = Int64.max
        var maximum = Int64.min
        for row in 0..<values.count where isValid(validity, row) {
            minimum = min(minimum, values[row])
            maximum = max(maximum, values[row])
        }
        if minimum > maximum { (minimum, maximum) = (0, 0) }
        let width = BitPacking.width(forMaximum: UInt64(bitPattern: maximum &- minimum))
        if width <= ChunkFormat.maximumPackedWidth {
            output.append(ColumnEncoding.frameOfReference.rawValue)
            output.append(minimum)
            output.append(UInt8(width))
            try writePacked(count: values.count, width: width, column: column) { row in
                isValid(validity, row) ? UInt64(bitPattern: values[row] &- minimum) : 0
            }
        } else {
            output.append(ColumnEncoding.plain.rawValue)
            try writeFixedWidth(values, validity: validity, column: column)
        }
    }

    /// 8-byte values, little-endian, nulls as zero bits, shuffled before LZ4.
    private func writeFixedWidth<T>(_ values: UnsafeBufferPointer<T>, validity: UnsafePointer<UInt8>?, column: String) throws(ChunkError) {
        let byteCount = values.count * 8
        let stage = staging.scratch(byteCount)
        if let raw = UnsafeRawBufferPointer(values).baseAddress {
            stage.copyMemory(from: raw, byteCount: byteCount)
        }
        if validity != nil {
            for row in 0..<values.count where !isValid(validity, row) {
                stage.storeBytes(of: UInt64(0), toByteOffset: row * 8, as: UInt64.self)
            }
        }
        try writeBuffer(UnsafeRawPointer(stage), count: byteCount, shuffleWidth: 8, column: column)
    }

    private func writeStrings(_ values: StringArray, rows: Range<Int>, validity: UnsafePointer<UInt8>?, column: String) throws(ChunkError) {
        switch values.storage {
        case .dictionary(let entries, let codes):
            output.append(ColumnEncoding.dictionary.rawValue)
            try codes.withUnsafeBufferPointer { all throws(ChunkError) in
                let slice = UnsafeBufferPointer(rebasing: all[rows])
                if entries.count <= rows.count {
                    try writeDictionary(entries: entries, codes: slice, remap: nil, validity: validity, column: column)
                } else {
                    // A dictionary larger than the chunk: keep only the entries its rows use.
                    var remap = [UInt32](repeating: .max, count: entries.count)
                    for row in 0..<slice.count where isValid(validity, row) { remap[Int(slice[row])] = 0 }
                    var used = [String]()
                    for index in remap.indices where remap[index] == 0 {
                        remap[index] = UInt32(used.count)
                        used.append(entries[index])
                    }
                    // Rows that are all null keep one placeholder entry, as the decoder gives them.
                    if used.isEmpty && !slice.isEmpty { used = [""] }
                    try writeDictionary(entries: used, codes: slice, remap: remap, validity: validity, column: column)
                }
            }
        case .plain(let offsets, let bytes):
            output.append(ColumnEncoding.plain.rawValue)
            try offsets.withUnsafeBufferPointer { offsets throws(ChunkError) in
                try bytes.withRawBytes { bytes throws(ChunkError) in
                    try writePlainStrings(offsets: offsets, bytes: bytes, rows: rows, validity: validity, column: column)
                }
            }
        }
    }

    private func writeDictionary(
        entries: [String], codes: UnsafeBufferPointer<UInt32>, remap: [UInt32]?,
        validity: UnsafePointer<UInt8>?, column: String
    ) throws(ChunkError) {
        output.append(UInt32(entries.count))
        var entryOffsets = [UInt32](repeating: 0, count: entries.count + 1)
        var entryBytes = [UInt8]()
        for (index, entry) in entries.enumerated() {
            entryBytes.append(contentsOf: entry.utf8)
            guard entryBytes.count <= Int(UInt32.max) else { throw .tooLarge("dictionary of column '\(column)'") }
            entryOffsets[index + 1] = UInt32(entryBytes.count)
        }
        try entryOffsets.withRawBytes { raw throws(ChunkError) in
            try writeBuffer(raw.baseAddress ?? UnsafeRawPointer(staging.base), count: raw.count, shuffleWidth: 4, column: column)
        }
        try entryBytes.withRawBytes { raw throws(ChunkError) in
            try writeBuffer(raw.baseAddress ?? UnsafeRawPointer(staging.base), count: raw.count, shuffleWidth: 0, column: column)
        }
        let width = entries.count <= 1 ? 0 : BitPacking.width(forMaximum: UInt64(entries.count - 1))
        output.append(UInt8(width))
        if let remap {
            try remap.withUnsafeBufferPointer { remap throws(ChunkError) in
                try writePacked(count: codes.count, width: width, column: column) { row in
                    isValid(validity, row) ? UInt64(remap[Int(codes[row])]) : 0
                }
            }
        } else {
            try writePacked(count: codes.count, width: width, column: column) { row in
                isValid(validity, row) ? UInt64(codes[row]) : 0
            }
        }
    }

    private func writePlainStrings(
        offsets: UnsafeBufferPointer<UInt32>, bytes: UnsafeRawBufferPointer, rows: Range<Int>,
        validity: UnsafePointer<UInt8>?, column: String
    ) throws(ChunkError) {
        let count = rows.count
        let first = Int(offsets[rows.lowerBound])
        let stage = staging.scratch((count + 1) * 4)
        var total = 0
        for row in 0..<count {
            stage.storeBytes(of: UInt32(total).littleEndian, toByteOffset: row * 4, as: UInt32.self)
            if isValid(validity, row) {
                total += Int(offsets[rows.lowerBound + row + 1]) - Int(offsets[rows.lowerBound + row])
            }
        }
        stage.storeBytes(of: UInt32(total).littleEndian, toByteOffset: count * 4, as: UInt32.self)
        try writeBuffer(UnsafeRawPointer(stage), count: (count + 1) * 4, shuffleWidth: 4, column: column)
        if validity == nil || total == Int(offsets[rows.upperBound]) - first {
            try writeBuffer(bytes.baseAddress.map { $0 + first } ?? UnsafeRawPointer(staging.base), count: total, shuffleWidth: 0, column: column)
        } else {
            // Null rows keep no bytes in a chunk.
            let text = staging.scratch(total)
            var position = 0
            for row in 0..<count where isValid(validity, row) {
                let start = Int(offsets[rows.lowerBound + row])
                let length = Int(offsets[rows.lowerBound + row + 1]) - start
                if length > 0, let base = bytes.baseAddress {
                    (text + position).copyMemory(from: base + start, byteCount: length)
                }
                position += length
            }
            try writeBuffer(UnsafeRawPointer(text), count: total, shuffleWidth: 0, column: column)
        }
    }

    @inline(__always)
    private func writePacked(count: Int, width: Int, column: String, _ value: (Int) -> UInt64) throws(ChunkError) {
        guard let byteCount = BitPacking.byteCount(count: count, width: width) else {
            throw .tooLarge("packed buffer of column '\(column)'")
        }
        let stage = staging.scratch(byteCount)
        BitPacking.pack(count: count, width: width, into: stage, value)
        try writeBuffer(UnsafeRawPointer(stage), count: byteCount, shuffleWidth: 0, column: column)
    }

    /// Appends one buffer: LZ4 when it saves at least 1/16 of the bytes, raw otherwise.
    private func writeBuffer(_ source: UnsafeRawPointer, count: Int, shuffleWidth: Int, column: String) throws(ChunkError) {
        guard count <= Int(UInt32.max) else { throw .tooLarge("buffer of \(count) bytes in column '\(column)'") }
        let headerOffset = output.count
        let tryCompression = compresses && count >= ChunkFormat.minimumCompressible && count <= LZ4.maxInputSize
        output.reserve(ChunkFormat.bufferHeaderSize + (tryCompression ? max(count, LZ4.compressBound(count)) : count))
        let payload = output.base + headerOffset + ChunkFormat.bufferHeaderSize
        var codec = BufferCodec.raw
        var stored = count
        var shuffle = 0
        if tryCompression {
            var input = source
            if shuffleWidth > 1 {
                let target = shuffled.scratch(count)
                ByteShuffle.shuffle(source, into: target, byteCount: count, width: shuffleWidth)
                input = UnsafeRawPointer(target)
            }
            let compressed = LZ4Block.compress(input, count: count, into: payload)
            if compressed > 0, compressed < count - count / 16 {
                codec = .lz4
                stored = compressed
                shuffle = shuffleWidth > 1 ? shuffleWidth : 0
            }
        }
        if codec == .raw, count > 0 {
            payload.copyMemory(from: source, byteCount: count)
        }
        output.store(codec.rawValue, at: headerOffset)
        output.store(UInt8(shuffle), at: headerOffset + 1)
        output.store(UInt32(count), at: headerOffset + 2)
        output.store(UInt32(stored), at: headerOffset + 6)
        output.count = headerOffset + ChunkFormat.bufferHeaderSize + stored
    }
}

@inline(__always)
func isValid(_ validity: UnsafePointer<UInt8>?, _ row: Int) -> Bool {
    guard let validity else { return true }
    return validity[row >> 3] & (1 << UInt8(row & 7)) != 0
}

/// Whether a float64 column holds decimals of a few places, and how to pack them.
struct DecimalPlan {
    static let powersOfTen: [Double] = (0...ChunkFormat.maximumDecimalScale).map { scale in
        (0..<scale).reduce(1.0) { value, _ in value * 10 }
    }
    /// Mantissas stay within ±2^50, so that round(v·10^k) recovers them exactly: the error
    /// of v and of the product together stay below a quarter.
    static let mantissaLimit: Int64 = 1 << 50

    let scale: Int
    let minimum: Int64
    let width: Int
    /// Rows holding NaN, ±infinity or -0.0, stored apart as exceptions.
    let exceptions: [UInt32]

    /// At most one row in this many may be an exception.
    static let exceptionRatio = 16

    @inline(__always)
    static func isException(_ value: Double) -> Bool {
        !value.isFinite || (value == 0 && value.sign == .minus)
    }

    /// The mantissa written for a null row or an exception (never a real one, which is
    /// within ±2^50).
    static let noMantissa = Int64.min

    /// `value` rounded to the nearest integer, ties to even, for |value| < 2^51 (larger
    /// products are refused before it matters): adding 1.5·2^52 leaves no fraction bits
    /// (two adds, where `rounded()` is a libm call). Rounding ties either way makes the
    /// same plans: a product that is a tie is never exact at that scale, whichever
    /// neighbour is tried.
    @inline(__always)
    static func roundedMantissa(_ value: Double) -> Double {
        let shift = 6_755_399_441_055_744.0  // 1.5 · 2^52
        return (value + shift) - shift
    }

    /// nil when some value is not m/10^k for any k ≤ 15 and |m| ≤ 2^50, bit for bit
    /// (most computed values are not), or when too many are exceptions. On success
    /// `mantissas` (one per value) holds each value's m, or `noMantissa` for a null row or
    /// an exception.
    ///
    /// `knownScale`, when given, is the scale the search would settle on, known from
    /// parsing: every value is m/10^k exactly as parsed (m below 2^53) and `knownScale`
    /// is the largest k once trailing zeros are dropped. Every value is exact there
    /// (m·10^(s−k) / 10^s rounds to the same double as m/10^k, both being correctly
    /// rounded quotients of exact doubles), and at no smaller scale (a decimal with fewer
    /// places is at least one part in 10^15 away, more than any double confuses), so the
    /// plan only rounds the products, skipping the trial divisions.
    init?(
        _ values: UnsafeBufferPointer<Double>, validity: UnsafePointer<UInt8>?, mantissas: UnsafeMutablePointer<Int64>,
        knownScale: Int? = nil
    ) {
        var scale = knownScale ?? 0
        guard scale <= ChunkFormat.maximumDecimalScale else { return nil }
        var factor = Self.powersOfTen[scale]
        if knownScale != nil, validity == nil, let (minimum, maximum) = Self.regularMantissas(values, factor: factor, into: mantissas) {
            self.init(scale: scale, minimum: minimum, maximum: maximum, exceptions: [])
            return
        }
        var minimum = Int64.max
        var maximum = Int64.min
        var exceptions = [UInt32]()
        let limit = Double(Self.mantissaLimit)
        for row in 0..<values.count {
            let value = values[row]
            guard isValid(validity, row) else {
                mantissas[row] = Self.noMantissa
                continue
            }
            if Self.isException(value) {
                guard exceptions.count < values.count / Self.exceptionRatio else { return nil }
                exceptions.append(UInt32(row))
                mantissas[row] = Self.noMantissa
                continue
            }
            while true {
                let product = value * factor
                let scaled = Self.roundedMantissa(product)
                if abs(product) < 2 * limit, abs(scaled) <= limit {
                    let mantissa = Int64(scaled)
                    if knownScale != nil || (scaled / factor).bitPattern == value.bitPattern {
                        assert((scaled / factor).bitPattern == value.bitPattern, "\(value) is not a decimal of scale \(scale)")
                        minimum = min(minimum, mantissa)
                        maximum = max(maximum, mantissa)
                        mantissas[row] = mantissa
                        break
                    }
                }
                // Past the limit at the known scale: the search would try larger ones in vain.
                if knownScale != nil { return nil }
                // Every value accepted so far is also exact at the next scale, ten times larger.
                scale += 1
                guard scale <= ChunkFormat.maximumDecimalScale else { return nil }
                factor = Self.powersOfTen[scale]
                if minimum <= maximum {
                    minimum *= 10
                    maximum *= 10
                    guard abs(minimum) <= Self.mantissaLimit, abs(maximum) <= Self.mantissaLimit else { return nil }
                    for earlier in 0..<row where mantissas[earlier] != Self.noMantissa { mantissas[earlier] *= 10 }
                }
            }
        }
        self.init(scale: scale, minimum: minimum, maximum: maximum, exceptions: exceptions)
    }

    private init(scale: Int, minimum: Int64, maximum: Int64, exceptions: [UInt32]) {
        let (minimum, maximum) = minimum > maximum ? (0, 0) : (minimum, maximum)
        self.scale = scale
        self.minimum = minimum
        self.width = BitPacking.width(forMaximum: UInt64(bitPattern: maximum &- minimum))
        self.exceptions = exceptions
    }

    /// The mantissas at a known scale of a column with every value present and none an
    /// exception, the common case of a parsed chunk, in one tight loop; nil at the first
    /// value that needs the general one (a NaN, an infinity or -0.0, or a mantissa past
    /// the limit: each fails a test below).
    private static func regularMantissas(
        _ values: UnsafeBufferPointer<Double>, factor: Double, into mantissas: UnsafeMutablePointer<Int64>
    ) -> (minimum: Int64, maximum: Int64)? {
        let limit = Double(Self.mantissaLimit)
        let negativeZero = (-0.0).bitPattern
        var minimum = Int64.max
        var maximum = Int64.min
        for row in 0..<values.count {
            let value = values[row]
            let scaled = Self.roundedMantissa(value * factor)
            guard abs(scaled) <= limit, value.bitPattern != negativeZero else { return nil }
            let mantissa = Int64(scaled)
            minimum = min(minimum, mantissa)
            maximum = max(maximum, mantissa)
            mantissas[row] = mantissa
        }
        return (minimum, maximum)
    }
}
