import CLZ4

/// LZ4 block compression (liblz4), the codec behind every compressed chunk buffer.
///
/// Blocks are raw LZ4 blocks with no frame header: the chunk format records each
/// buffer's raw length itself (proto/CHUNKS.md), so decompression knows its output size.
public enum LZ4 {
    /// The largest input a single LZ4 block may hold (LZ4_MAX_INPUT_SIZE).
    public static let maxInputSize = Int(LZ4_MAX_INPUT_SIZE)

    /// The largest output `compress` can produce for `count` input bytes.
    public static func compressBound(_ count: Int) -> Int {
        Int(LZ4_compressBound(Int32(clamping: count)))
    }

    /// Compresses `input` into one LZ4 block.
    public static func compress(_ input: UnsafeRawBufferPointer) throws(LZ4Error) -> [UInt8] {
        guard input.count <= maxInputSize else { throw .inputTooLarge(input.count) }
        let bound = compressBound(input.count)
        var written = 0
        let output = [UInt8](unsafeUninitializedCapacity: max(bound, 1)) { buffer, initialized in
            written = Int(
                LZ4_compress_default(
                    input.baseAddress?.assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                    Int32(input.count),
                    Int32(bound)
                )
            )
            initialized = max(written, 0)
        }
        // With a destination of compressBound bytes LZ4 cannot fail on valid input; an empty
        // input compresses to a one-byte block.
        guard written > 0 else { throw .compressionFailed }
        return output
    }

    public static func compress(_ input: [UInt8]) throws(LZ4Error) -> [UInt8] {
        // withUnsafeBytes rethrows untyped errors; carry the typed one out in a Result.
        try input.withUnsafeBytes { buffer in Result { () throws(LZ4Error) in try compress(buffer) } }.get()
    }

    /// Decompresses one LZ4 block that must expand to exactly `rawCount` bytes.
    /// Malformed or hostile input throws; it never reads or writes out of bounds
    /// (LZ4_decompress_safe checks every offset).
    public static func decompress(_ input: UnsafeRawBufferPointer, rawCount: Int) throws(LZ4Error) -> [UInt8] {
        guard rawCount >= 0, rawCount <= maxInputSize else { throw .inputTooLarge(rawCount) }
        var produced: Int32 = 0
        let output = [UInt8](unsafeUninitializedCapacity: max(rawCount, 1)) { buffer, initialized in
            produced = LZ4_decompress_safe(
                input.baseAddress?.assumingMemoryBound(to: CChar.self),
                UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                Int32(input.count),
                Int32(rawCount)
            )
            initialized = produced > 0 ? Int(produced) : 0
        }
        guard produced >= 0 else { throw .malformedBlock }
        guard Int(produced) == rawCount else { throw .lengthMismatch(expected: rawCount, actual: Int(produced)) }
        return output
    }

    public static func decompress(_ input: [UInt8], rawCount: Int) throws(LZ4Error) -> [UInt8] {
        try input.withUnsafeBytes { buffer in
            Result { () throws(LZ4Error) in try decompress(buffer, rawCount: rawCount) }
        }.get()
    }
}

public enum LZ4Error: Error, Equatable, CustomStringConvertible {
    case inputTooLarge(Int)
    case compressionFailed
    case malformedBlock
    case lengthMismatch(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .inputTooLarge(let count): "LZ4 block of \(count) bytes exceeds the maximum of \(LZ4.maxInputSize)"
        case .compressionFailed: "LZ4 compression failed"
        case .malformedBlock: "malformed LZ4 block"
        case .lengthMismatch(let expected, let actual):
            "LZ4 block decompressed to \(actual) bytes, expected \(expected)"
        }
    }
}
