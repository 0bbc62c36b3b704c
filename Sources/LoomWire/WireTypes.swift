/// A 128-bit identifier (RFC 9562 layout): job ids, instance ids, session ids. Kept here
/// because LoomWire imports no Foundation; `bytes` converts to and from other UUID types.
/// 16 bytes, laid out as Foundation's `uuid_t`.
public typealias UUIDBytes = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

public struct WireUUID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 16 bytes in network order.
    @inlinable
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes in network order as a tuple: the layout of Foundation's `uuid_t`, so
    /// that converting to and from `UUID` copies two words (the coordinator does it for
    /// every message about a job).
    @inlinable
    public init(uuid: UUIDBytes) {
        self = withUnsafeBytes(of: uuid) { raw in
            WireUUID(high: UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)),
                     low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    @inlinable
    public var uuid: UUIDBytes {
        withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { $0.loadUnaligned(as: UUIDBytes.self) }
    }

    /// The canonical text form, 8-4-4-4-12 hex digits (either case).
    public init?(_ text: some StringProtocol) {
        var words: (high: UInt64, low: UInt64) = (0, 0)
        var digits = 0
        for (offset, byte) in text.utf8.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte &- UInt8(ascii: "A") &+ 10
            default: return nil
            }
            if digits < 16 { words.high = words.high << 4 | UInt64(value) } else { words.low = words.low << 4 | UInt64(value) }
            digits += 1
            guard digits <= 32 else { return nil }
        }
        guard digits == 32 else { return nil }
        self.init(high: words.high, low: words.low)
    }

    /// A random (version 4) UUID.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> WireUUID {
        let high = (generator.next() & ~0xF000) | 0x4000
        let low = (generator.next() & ~(0xC000_0000_0000_0000 as UInt64)) | 0x8000_0000_0000_0000
        return WireUUID(high: high, low: low)
    }

    public static func random() -> WireUUID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public var bytes: [UInt8] {
        (0..<16).map { index in UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64(56 - 8 * (index % 8))) }
    }

    public var description: String {
        let hex = bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        var result = ""
        for (index, character) in hex.enumerated() {
            if [8, 12, 16, 20].contains(index) { result.append("-") }
            result.append(character)
        }
        return result
    }

    public static func < (lhs: WireUUID, rhs: WireUUID) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
}

/// Wall-clock time on the wire: milliseconds since 1970-01-01T00:00:00Z.
public struct WireTime: Hashable, Sendable, Comparable {
    public var millisecondsSinceEpoch: Int64
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }
    public static func < (lhs: WireTime, rhs: WireTime) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }
}

/// A chunk's content hash (proto/CHUNKS.md): 16 opaque bytes on the wire.
public struct WireChunkHash: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var description: String { WireUUID(high: high, low: low).description.filter { $0 != "-" } }
}

/// 32 bytes of nonce or HMAC-SHA256 proof.
public struct Bytes32: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// 32 bytes from a generator (nonces; tests inject a seeded one).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> Bytes32 {
        var bytes = [UInt8]()
        for _ in 0..<4 {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Bytes32(uncheckedBytes: bytes)
    }

    init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }

    public static let zero = Bytes32(uncheckedBytes: [UInt8](repeating: 0, count: 32))

    public var description: String { bytes.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined() }
}
