/// Constants of the chunk format (proto/CHUNKS.md). All integers are little-endian.
enum ChunkFormat {
    /// "LMCK"
    static let magic: UInt32 = 0x4B43_4D4C
    static let version: UInt16 = 1
    /// magic(4) version(2) flags(2) rows(4) columns(2)
    static let headerSize = 14
    /// xxHash64 of everything before it.
    static let trailerSize = 8
    /// codec(1) shuffle(1) raw length(4) stored length(4)
    static let bufferHeaderSize = 10
    /// Buffers shorter than this are stored raw without trying LZ4.
    static let minimumCompressible = 64
    static let nullableFlag: UInt8 = 1
    /// The largest decimal scale: 10^15 and every integer below 2^53 are exact doubles.
    static let maximumDecimalScale = 15
    /// Values whose frame-of-reference width exceeds this are stored plain (shuffled).
    static let maximumPackedWidth = 56
}

/// How a column's values are laid out in its buffers.
enum ColumnEncoding: UInt8 {
    /// Fixed width (float64, int64: 8 bytes; bool: 1 bit) or, for strings, offsets + bytes.
    case plain = 0
    /// float64 as integers m/10^scale, frame-of-reference bit-packed.
    case decimal = 1
    /// int64 as value − reference, bit-packed.
    case frameOfReference = 2
    /// string as a dictionary of distinct entries and bit-packed codes.
    case dictionary = 3
}

/// How one buffer's bytes are stored.
enum BufferCodec: UInt8 {
    case raw = 0
    case lz4 = 1
}

/// A chunk's content hash: the name under which workers and the coordinator cache it.
/// 128 bits, from two xxHash64 passes (seed 0, which is also the chunk's checksum, and
/// seed "LOOMCHNK") over the chunk's bytes before the trailer. It is not a cryptographic
/// commitment: chunks come only from an authenticated coordinator.
public struct ChunkHash: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let secondSeed: UInt64 = 0x4C4F_4F4D_4348_4E4B
    public let checksum: UInt64
    public let second: UInt64

    public init(checksum: UInt64, second: UInt64) {
        self.checksum = checksum
        self.second = second
    }

    /// 16 bytes: both halves big-endian, so the bytes read as the hex form does.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var values: [UInt64] = [0, 0]
        for (index, byte) in bytes.enumerated() { values[index / 8] = values[index / 8] << 8 | UInt64(byte) }
        self.init(checksum: values[0], second: values[1])
    }

    /// The hash of an encoded chunk (its checksum is not verified here).
    public init(chunk: UnsafeRawBufferPointer) {
        let body = UnsafeRawBufferPointer(rebasing: chunk[0..<max(0, chunk.count - ChunkFormat.trailerSize)])
        self.init(checksum: XXHash64.hash(body), second: XXHash64.hash(body, seed: Self.secondSeed))
    }

    public init(chunk: [UInt8]) {
        self = chunk.withUnsafeBytes { ChunkHash(chunk: $0) }
    }

    public var bytes: [UInt8] {
        (0..<16).map { index in
            let value = index < 8 ? checksum : second
            return UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * (index % 8)))
        }
    }

    public var description: String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    public static func < (lhs: ChunkHash, rhs: ChunkHash) -> Bool {
        (lhs.checksum, lhs.second) < (rhs.checksum, rhs.second)
    }
}

/// Why a chunk could not be encoded or decoded. Every case names where it went wrong.
public enum ChunkError: Error, Equatable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int)
    case badMagic(UInt32)
    case unsupportedVersion(UInt16)
    case reservedFlags(UInt16)
    case checksumMismatch(stored: UInt64, computed: UInt64)
    case tooManyRows(Int, limit: Int)
    case tooManyColumns(Int)
    case decodedSizeLimit(limit: Int)
    case invalidName(column: Int)
    case duplicateColumnName(String)
    case invalidColumnType(column: String, UInt8)
    case invalidColumnFlags(column: String, UInt8)
    case invalidEncoding(column: String, UInt8)
    case invalidBuffer(column: String, reason: String)
    case invalidBitWidth(column: String, Int)
    case invalidDecimalScale(column: String, Int)
    case invalidValidity(column: String)
    case invalidOffsets(column: String)
    case invalidUTF8(column: String)
    case invalidDictionaryCode(column: String, row: Int)
    case trailingBytes(offset: Int)
    case compression(column: String, LZ4Error)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed): "chunk truncated: \(needed) bytes needed at offset \(offset)"
        case .badMagic(let magic): "not a Loom chunk (magic 0x\(String(magic, radix: 16)))"
        case .unsupportedVersion(let version): "unsupported chunk version \(version)"
        case .reservedFlags(let flags): "reserved chunk flags set: 0x\(String(flags, radix: 16))"
        case .checksumMismatch(let stored, let computed):
            "chunk checksum mismatch: stored \(String(stored, radix: 16)), computed \(String(computed, radix: 16))"
        case .tooManyRows(let rows, let limit): "chunk of \(rows) rows exceeds the limit of \(limit)"
        case .tooManyColumns(let count): "table of \(count) columns exceeds the limit of 65535"
        case .decodedSizeLimit(let limit): "chunk would decode to more than \(limit) bytes"
        case .invalidName(let column): "column \(column) has a name that is not UTF-8"
        case .duplicateColumnName(let name): "two columns are named '\(name)'"
        case .invalidColumnType(let column, let type): "column '\(column)': unknown type \(type)"
        case .invalidColumnFlags(let column, let flags): "column '\(column)': unknown flags \(flags)"
        case .invalidEncoding(let column, let encoding): "column '\(column)': invalid encoding \(encoding) for its type"
        case .invalidBuffer(let column, let reason): "column '\(column)': \(reason)"
        case .invalidBitWidth(let column, let width): "column '\(column)': invalid bit width \(width)"
        case .invalidDecimalScale(let column, let scale): "column '\(column)': invalid decimal scale \(scale)"
        case .invalidValidity(let column): "column '\(column)': validity bitmap has bits set past the last row"
        case .invalidOffsets(let column): "column '\(column)': string offsets are not monotonic or overrun the bytes"
        case .invalidUTF8(let column): "column '\(column)': string bytes are not UTF-8"
        case .invalidDictionaryCode(let column, let row): "column '\(column)': row \(row) has a code outside the dictionary"
        case .trailingBytes(let offset): "unexpected bytes after the last column at offset \(offset)"
        case .compression(let column, let error): "column '\(column)': \(error)"
        case .tooLarge(let what): "too large to encode: \(what)"
        }
    }
}

// Fixed-width chunk data is copied straight between chunk bytes and arrays.
#if _endian(big)
#error("LoomColumnar assumes a little-endian host: chunk data is little-endian and copied as is")
#endif
