/// xxHash64 (Yann Collet's XXH64), the checksum of every chunk (proto/CHUNKS.md).
///
/// Chosen over CRC32C because it runs at memory speed in portable code with no CPU
/// intrinsics, and its 64 bits also serve as half of a chunk's content hash.
public enum XXHash64 {
    static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return finalize(seed &+ prime5, tail: bytes) }
        var offset = 0
        var accumulator: UInt64
        if count >= 32 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            let limit = count - 32
            while offset <= limit {
                v1 = round(v1, base.loadLE64(offset))
                v2 = round(v2, base.loadLE64(offset + 8))
                v3 = round(v3, base.loadLE64(offset + 16))
                v4 = round(v4, base.loadLE64(offset + 24))
                offset += 32
            }
            accumulator = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            accumulator = mergeRound(accumulator, v1)
            accumulator = mergeRound(accumulator, v2)
            accumulator = mergeRound(accumulator, v3)
            accumulator = mergeRound(accumulator, v4)
        } else {
            accumulator = seed &+ prime5
        }
        accumulator &+= UInt64(count)
        return finalize(accumulator, tail: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
    }

    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    @inline(__always)
    private static func finalize(_ start: UInt64, tail: UnsafeRawBufferPointer) -> UInt64 {
        var accumulator = start
        var offset = 0
        let count = tail.count
        if let base = tail.baseAddress {
            while offset + 8 <= count {
                accumulator ^= round(0, base.loadLE64(offset))
                accumulator = rotl(accumulator, 27) &* prime1 &+ prime4
                offset += 8
            }
            if offset + 4 <= count {
                accumulator ^= UInt64(base.loadLE32(offset)) &* prime1
                accumulator = rotl(accumulator, 23) &* prime2 &+ prime3
                offset += 4
            }
            while offset < count {
                accumulator ^= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) &* prime5
                accumulator = rotl(accumulator, 11) &* prime1
                offset += 1
            }
        }
        accumulator ^= accumulator >> 33
        accumulator &*= prime2
        accumulator ^= accumulator >> 29
        accumulator &*= prime3
        accumulator ^= accumulator >> 32
        return accumulator
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotl(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func mergeRound(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        (accumulator ^ round(0, value)) &* prime1 &+ prime4
    }

    @inline(__always)
    private static func rotl(_ value: UInt64, _ amount: UInt64) -> UInt64 {
        (value &<< amount) | (value &>> (64 &- amount))
    }
}

extension UnsafeRawPointer {
    @inline(__always)
    func loadLE64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    func loadLE32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
