import CLZ4
import Testing

@testable import LoomColumnar

@Suite("LZ4 (liblz4 through CLZ4)")
struct LZ4Tests {
    /// A buffer with structure (so that it compresses) and noise (so that it is not trivial).
    static func sampleBuffer(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { index in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return index % 7 == 0 ? UInt8(truncatingIfNeeded: state >> 56) : UInt8(index % 61)
        }
    }

    @Test("liblz4 links: the C API round-trips a buffer")
    func cLibraryRoundTrip() {
        let input = Self.sampleBuffer(count: 100_000, seed: 1)
        let bound = Int(LZ4_compressBound(Int32(input.count)))
        var compressed = [CChar](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { source in
            LZ4_compress_default(source.baseAddress!.assumingMemoryBound(to: CChar.self), &compressed, Int32(input.count), Int32(bound))
        }
        #expect(written > 0)
        #expect(Int(written) < input.count)

        var output = [UInt8](repeating: 0, count: input.count)
        let read = output.withUnsafeMutableBytes { destination in
            LZ4_decompress_safe(compressed, destination.baseAddress!.assumingMemoryBound(to: CChar.self), written, Int32(input.count))
        }
        #expect(Int(read) == input.count)
        #expect(output == input)
    }

    @Test("the Swift wrapper round-trips buffers of many sizes", arguments: [0, 1, 15, 4096, 65_536, 1_000_003])
    func wrapperRoundTrip(count: Int) throws {
        let input = Self.sampleBuffer(count: count, seed: UInt64(count))
        let compressed = try LZ4.compress(input)
        #expect(compressed.count <= LZ4.compressBound(count))
        let restored = try LZ4.decompress(compressed, rawCount: count)
        #expect(restored == input)
    }

    @Test("a wrong raw length is an error, not a short buffer")
    func lengthMismatch() throws {
        let input = Self.sampleBuffer(count: 10_000, seed: 7)
        let compressed = try LZ4.compress(input)
        #expect(throws: LZ4Error.self) { try LZ4.decompress(compressed, rawCount: 9_999) }
        #expect(throws: LZ4Error.self) { try LZ4.decompress(compressed, rawCount: 10_001) }
    }

    @Test("corrupt and random blocks throw instead of crashing")
    func corruptInput() {
        var state: UInt64 = 42
        for length in 1..<300 {
            let garbage = (0..<length).map { _ in
                state = state &* 6364136223846793005 &+ 1
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            // Random bytes may by chance form a valid block; all that matters is no crash
            // and that a result, when there is one, has exactly the requested length.
            if let restored = try? LZ4.decompress(garbage, rawCount: 64) {
                #expect(restored.count == 64)
            }
        }
        #expect(throws: LZ4Error.malformedBlock) { try LZ4.decompress([0xF0], rawCount: 100) }
    }
}
