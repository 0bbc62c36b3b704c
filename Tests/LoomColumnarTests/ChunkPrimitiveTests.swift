import Testing

@testable import LoomColumnar

@Suite("xxHash64, bit-packing, byte shuffle, UTF-8")
struct ChunkPrimitiveTests {
    /// The published XXH64 test vectors: the xxHash sanity buffer (bytes from the PRIME32/
    /// PRIME64 generator of xxhsum) and short strings.
    @Test("xxHash64 matches the published test vectors")
    func xxhash() {
        var generator: UInt64 = 2_654_435_761
        let sanity = (0..<2_367).map { _ -> UInt8 in
            defer { generator = generator &* 11_400_714_785_074_694_797 }
            return UInt8(truncatingIfNeeded: generator >> 56)
        }
        let prime32: UInt64 = 2_654_435_761
        let cases: [(Int, UInt64, UInt64)] = [
            (0, 0, 0xEF46_DB37_51D8_E999), (1, 0, 0xE934_A84A_DB05_2768), (1, prime32, 0x5014_6076_43A9_B4C3),
            (4, 0, 0x9136_A0DC_A574_57EE), (14, 0, 0x8282_DCC4_994E_35C8), (222, 0, 0xB641_AE8C_B691_C174),
            (222, prime32, 0x20CB_8AB7_AE10_C14A), (2_367, 0, 0xA824_18DD_EC0E_A581),
        ]
        for (length, seed, expected) in cases {
            #expect(XXHash64.hash(Array(sanity.prefix(length)), seed: seed) == expected, "length \(length) seed \(seed)")
        }
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    }

    @Test("bit-packing round-trips every width", arguments: Array(0...64))
    func bitPacking(width: Int) {
        var random = SeededRandom(seed: UInt64(width))
        let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
        for count in [0, 1, 7, 63, 64, 65, 1_000] {
            let values = (0..<count).map { _ in random.next() & mask }
            let byteCount = BitPacking.byteCount(count: count, width: width)!
            var packed = [UInt8](repeating: 0xAA, count: byteCount)
            packed.withUnsafeMutableBytes { out in
                values.withUnsafeBufferPointer { values in
                    BitPacking.pack(count: count, width: width, into: out.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 8)!) { values[$0] }
                }
            }
            var unpacked = [UInt64](repeating: 0, count: count)
            packed.withUnsafeBytes { raw in
                BitPacking.unpack(count: count, width: width, from: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, byteCount: byteCount) { unpacked[$0] = $1 }
            }
            #expect(unpacked == values, "width \(width) count \(count)")
        }
        #expect(BitPacking.byteCount(count: Int.max / 2, width: 64) == nil)
    }

    @Test("byte shuffling is undone exactly", arguments: [2, 4, 8])
    func shuffle(width: Int) {
        var random = SeededRandom(seed: 3)
        for count in [0, 1, 15, 16, 17, 1_001] {
            let input = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            var shuffled = [UInt8](repeating: 0, count: count)
            var restored = [UInt8](repeating: 0, count: count)
            guard count > 0 else { continue }
            input.withUnsafeBytes { source in
                shuffled.withUnsafeMutableBytes { ByteShuffle.shuffle(source.baseAddress!, into: $0.baseAddress!, byteCount: count, width: width) }
            }
            shuffled.withUnsafeBytes { source in
                restored.withUnsafeMutableBytes { ByteShuffle.unshuffle(source.baseAddress!, into: $0.baseAddress!, byteCount: count, width: width) }
            }
            #expect(restored == input)
        }
    }

    @Test("UTF-8 validation accepts text and refuses malformed sequences")
    func utf8() {
        func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { UTF8Validation.isValid($0) } }
        #expect(valid(Array("plain ascii text, long enough for the fast path".utf8)))
        #expect(valid(Array("zürich 東京 🚀".utf8)))
        #expect(!valid([0xC0, 0x80]), "overlong")
        #expect(!valid([0xED, 0xA0, 0x80]), "surrogate")
        #expect(!valid([0xF4, 0x90, 0x80, 0x80]), "above U+10FFFF")
        #expect(!valid([0xE2, 0x82]), "truncated")
        #expect(!valid([0x80]), "lone continuation")
    }

    @Test("validity bitmaps slice at any bit offset")
    func bitmapSlices() {
        var random = SeededRandom(seed: 4)
        let bits = (0..<100).map { _ in Bool.random(using: &random) }
        let bitmap = ValidityBitmap(bits)
        #expect(bitmap.nullCount == bits.filter { !$0 }.count)
        for start in 0..<20 {
            for count in [0, 1, 8, 9, 50] {
                let slice = bitmap.slice(start..<(start + count))
                #expect((0..<count).allSatisfy { slice[$0] == bits[start + $0] })
                #expect(ValidityBitmap(bytes: slice.bytes, count: count) != nil, "bits past the end are zero")
            }
        }
    }

    @Test("tables refuse columns of unequal length and duplicate names")
    func tableRules() {
        #expect(throws: ColumnarError.lengthMismatch(column: "b", expected: 2, actual: 1)) {
            try Table(columns: [.int64("a", [1, 2]), .int64("b", [1])])
        }
        #expect(throws: ColumnarError.duplicateColumnName("a")) { try Table(columns: [.int64("a", [1]), .bool("a", [true])]) }
        #expect(throws: ColumnarError.self) { try StringArray(entries: ["x"], codes: [0, 1]) }
        let column = Column.float64("x", [1.5, nil, 3])
        #expect(column.double(at: 1) == nil)
        #expect(column.double(at: 2) == 3)
        #expect(column.nullCount == 1)
    }
}
