/// UTF-8 validation over raw bytes without allocating (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF).
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            // ASCII fast paths, 32 and then eight bytes at a time.
            if index + 32 <= count,
                (base.loadLE64(index) | base.loadLE64(index + 8) | base.loadLE64(index + 16) | base.loadLE64(index + 24))
                    & 0x8080_8080_8080_8080 == 0
            {
                index += 32
                continue
            }
            if index + 8 <= count, base.loadLE64(index) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            let lead = base.load(fromByteOffset: index, as: UInt8.self)
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = base.load(fromByteOffset: index + 1, as: UInt8.self)
            guard second >= low, second <= high else { return false }
            for offset in 2..<max(length, 2) {
                let byte = base.load(fromByteOffset: index + offset, as: UInt8.self)
                guard byte & 0xC0 == 0x80 else { return false }
            }
            index += length
        }
        return true
    }

    /// Whether `offset` starts a character (or is the end), i.e. is not a continuation byte.
    @inline(__always)
    static func isBoundary(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Bool {
        offset == bytes.count || bytes[offset] & 0xC0 != 0x80
    }
}
