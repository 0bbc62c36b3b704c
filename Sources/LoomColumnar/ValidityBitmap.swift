/// Which rows of a nullable column hold a value: bit i (least significant bit first
/// within each byte) is 1 when row i is present, 0 when it is null. Bits past `count`
/// are always 0, so two bitmaps with the same rows compare equal byte for byte.
public struct ValidityBitmap: Sendable, Equatable {
    public private(set) var bytes: [UInt8]
    public let count: Int

    public init(count: Int, allValid: Bool = true) {
        self.count = count
        self.bytes = [UInt8](repeating: allValid ? 0xFF : 0, count: Self.byteCount(for: count))
        if allValid { clearTail() }
    }

    public init(_ valid: [Bool]) {
        self.init(count: valid.count, allValid: false)
        bytes.withUnsafeMutableBufferPointer { out in
            for (row, isValid) in valid.enumerated() where isValid {
                out[row >> 3] |= 1 << UInt8(row & 7)
            }
        }
    }

    /// Wraps bytes already in the wire layout; returns nil when a bit past `count` is set
    /// or the length is wrong.
    public init?(bytes: [UInt8], count: Int) {
        guard count >= 0, bytes.count == Self.byteCount(for: count) else { return nil }
        if count & 7 != 0, let last = bytes.last, last >> UInt8(count & 7) != 0 { return nil }
        self.bytes = bytes
        self.count = count
    }

    public static func byteCount(for rows: Int) -> Int { (rows + 7) >> 3 }

    public subscript(row: Int) -> Bool {
        get {
            precondition(row >= 0 && row < count, "row \(row) out of 0..<\(count)")
            return bytes[row >> 3] & (1 << UInt8(row & 7)) != 0
        }
        set {
            precondition(row >= 0 && row < count, "row \(row) out of 0..<\(count)")
            if newValue {
                bytes[row >> 3] |= 1 << UInt8(row & 7)
            } else {
                bytes[row >> 3] &= ~(1 << UInt8(row & 7))
            }
        }
    }

    public var nullCount: Int {
        count - bytes.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// The bits of rows `range` as a bitmap of their own (row range.lowerBound becomes row 0).
    public func slice(_ range: Range<Int>) -> ValidityBitmap {
        var result = ValidityBitmap(count: range.count, allValid: false)
        bytes.withUnsafeBufferPointer { source in
            result.bytes.withUnsafeMutableBufferPointer { target in
                Self.copyBits(from: source, start: range.lowerBound, count: range.count, into: target)
            }
        }
        return result
    }

    /// Copies `count` bits starting at bit `start` of `source` into `target` from bit 0.
    static func copyBits(from source: UnsafeBufferPointer<UInt8>, start: Int, count: Int, into target: UnsafeMutableBufferPointer<UInt8>) {
        let byteCount = byteCount(for: count)
        let shift = start & 7
        let first = start >> 3
        if shift == 0 {
            for index in 0..<byteCount { target[index] = source[first + index] }
        } else {
            for index in 0..<byteCount {
                let low = source[first + index] >> UInt8(shift)
                let highIndex = first + index + 1
                let high = highIndex < source.count ? source[highIndex] << UInt8(8 - shift) : 0
                target[index] = low | high
            }
        }
        if count & 7 != 0 { target[byteCount - 1] &= UInt8((1 << (count & 7)) - 1) }
    }

    private mutating func clearTail() {
        if count & 7 != 0 { bytes[bytes.count - 1] = UInt8((1 << (count & 7)) - 1) }
    }
}
