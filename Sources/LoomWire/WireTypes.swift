/// A 128-bit identifier (RFC 9562 layout): job ids, instance ids, session ids. Kept here
/// because LoomWire imports no Foundation; `bytes` converts to and from other UUID types.
public struct WireUUID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 16 bytes in network order.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// The canonical text form, 8-4-4-4-12 hex digits.
    public init?(_ text: String) {
        let digits = text.filter { $0 != "-" }
        guard text.count == 36, digits.count == 32 else { return nil }
        var bytes = [UInt8]()
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes: bytes)
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
