#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one field's text looks like, as a bit so that a column can OR them together.
struct CSVValueKinds: OptionSet, Sendable {
    let rawValue: UInt8
    static let bool = CSVValueKinds(rawValue: 1)
    static let integer = CSVValueKinds(rawValue: 2)
    static let float = CSVValueKinds(rawValue: 4)
    static let string = CSVValueKinds(rawValue: 8)

    /// The narrowest column type that holds every kind seen: integers widen to floats,
    /// and anything mixed with text (or booleans mixed with numbers) is a string. A
    /// column with no values at all is a string column of nulls.
    var columnType: ColumnType {
        if contains(.string) { return .string }
        if contains(.bool) { return self == .bool ? .bool : .string }
        if contains(.float) { return .float64 }
        if contains(.integer) { return .int64 }
        return .string
    }
}

/// Missing-value tokens and the classification and parsing of field text. Numbers are
/// ASCII: an optional sign, digits with an optional fraction, an optional exponent, or
/// inf/infinity; booleans are true/false; spaces and tabs around a value are ignored
/// for every type but string.
struct CSVValueParser: Sendable {
    /// Lowercased tokens.
    private let missingTokens: [[UInt8]]
    /// Bit n is set when some token has n bytes (n < 64): most fields fail this test alone.
    private let tokenLengths: UInt64
    /// Bit b is set when some token starts with ASCII byte b (lowercased), or every bit
    /// when a token starts otherwise: short words like "A" or "Nice" share a token's
    /// length ("?", "null") but rarely its first letter.
    private let tokenStarts: (low: UInt64, high: UInt64)

    init(missingTokens: [String]) {
        self.missingTokens = missingTokens.map { Array($0.lowercased().utf8) }
        tokenLengths = self.missingTokens.reduce(0) { $0 | ($1.count < 64 ? 1 << UInt64($1.count) : 0) }
        var starts: (low: UInt64, high: UInt64) = (0, 0)
        for token in self.missingTokens {
            guard let first = token.first, first < 128 else {
                starts = (.max, .max)
                break
            }
            if first < 64 { starts.low |= 1 << UInt64(first) } else { starts.high |= 1 << UInt64(first - 64) }
        }
        tokenStarts = starts
    }

    /// A quick test for the fast paths: false only when `isMissing` is surely false. Text
    /// with blanks at either end, and any token match (even a numeric one, which
    /// `isMissing` would reject), answer true and go to the general path.
    @inline(__always)
    func mightBeMissing(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        if count == 0 { return true }
        let first = bytes[0]
        let last = bytes[count - 1]
        if first == 32 || first == 9 || last == 32 || last == 9 { return true }
        return mightBeToken(bytes) && isMissingToken(bytes)
    }

    @inline(__always)
    private func mightBeToken(_ text: UnsafeRawBufferPointer) -> Bool {
        if text.count >= 64 { return true }
        guard tokenLengths & (1 << UInt64(text.count)) != 0 else { return false }
        // The empty token has no first byte to test.
        guard let first = text.first else { return true }
        let byte = Self.lower(first)
        if byte >= 128 { return tokenStarts.high == .max }
        return (byte < 64 ? tokenStarts.low >> UInt64(byte) : tokenStarts.high >> UInt64(byte - 64)) & 1 != 0
    }

    @inline(__always)
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var lower = 0
        var upper = bytes.count
        while lower < upper, bytes[lower] == 32 || bytes[lower] == 9 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 32 || bytes[upper - 1] == 9 { upper -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[lower..<upper])
    }

    /// nil means missing. Numbers are never missing, whatever the tokens say.
    @inline(__always)
    func classify(_ bytes: UnsafeRawBufferPointer, classes: UInt8) -> CSVValueKinds? {
        if bytes.isEmpty { return nil }
        let numeric = CSVCharacterClass.digit | CSVCharacterClass.sign
        if classes & ~numeric == 0, Self.isInteger(bytes) {
            return Self.parseInteger(bytes) == nil ? .float : .integer
        }
        if classes & CSVCharacterClass.other == 0, Self.isDecimal(bytes) { return .float }
        return classifySlow(Self.trimmed(bytes))
    }

    private func classifySlow(_ text: UnsafeRawBufferPointer) -> CSVValueKinds? {
        if text.isEmpty { return nil }
        if Self.isInteger(text) { return Self.parseInteger(text) == nil ? .float : .integer }
        if Self.isDecimal(text) { return .float }
        if isMissingToken(text) { return nil }
        if Self.isInfinity(text) { return .float }
        if Self.equalsLowercased(text, "true") || Self.equalsLowercased(text, "false") { return .bool }
        if Self.equalsLowercased(text, "nan") { return .float }
        return .string
    }

    /// Whether the field is missing: empty, blank, or a missing token (and not a number);
    /// agrees with `classify` returning nil.
    @inline(__always)
    func isMissing(_ bytes: UnsafeRawBufferPointer, classes: UInt8) -> Bool {
        if bytes.isEmpty { return true }
        if classes & CSVCharacterClass.other == 0, Self.isDecimal(bytes) { return false }
        let text = Self.trimmed(bytes)
        if text.isEmpty { return true }
        if Self.isDecimal(text) { return false }
        return isMissingToken(text)
    }

    func isMissingToken(_ text: UnsafeRawBufferPointer) -> Bool {
        guard mightBeToken(text) else { return false }
        for token in missingTokens where token.count == text.count {
            var equal = true
            for index in 0..<token.count where Self.lower(text[index]) != token[index] {
                equal = false
                break
            }
            if equal { return true }
        }
        return false
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }

    static func equalsLowercased(_ text: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        guard text.count == word.utf8CodeUnitCount else { return false }
        let pointer = word.utf8Start
        for index in 0..<text.count where lower(text[index]) != pointer[index] { return false }
        return true
    }

    static func isInfinity(_ text: UnsafeRawBufferPointer) -> Bool {
        var body = text
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            body = UnsafeRawBufferPointer(rebasing: body[1...])
        }
        return equalsLowercased(body, "inf") || equalsLowercased(body, "infinity")
    }

    /// `[+-]?[0-9]+`
    @inline(__always)
    static func isInteger(_ text: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        if text.count > 0, text[0] == UInt8(ascii: "+") || text[0] == UInt8(ascii: "-") { index = 1 }
        guard index < text.count else { return false }
        while index < text.count {
            guard text[index] &- 48 < 10 else { return false }
            index += 1
        }
        return true
    }

    /// `[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?`
    static func isDecimal(_ text: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = text.count
        if index < count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        while index < count, text[index] &- 48 < 10 { index += 1; digits += 1 }
        if index < count, text[index] == UInt8(ascii: ".") {
            index += 1
            while index < count, text[index] &- 48 < 10 { index += 1; digits += 1 }
        }
        guard digits > 0 else { return false }
        if index < count, text[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
            var exponentDigits = 0
            while index < count, text[index] &- 48 < 10 { index += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return false }
        }
        return index == count
    }

    /// A `[+-]?[0-9]+` that fits in Int64, else nil.
    @inline(__always)
    static func parseInteger(_ text: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        var negative = false
        if text.count > 0, text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+") {
            negative = text[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < text.count else { return nil }
        var magnitude: UInt64 = 0
        while index < text.count {
            let digit = text[index] &- 48
            guard digit < 10 else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// An integer field of a column known to be int64 (spaces allowed around it).
    @inline(__always)
    static func integerValue(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        if let value = parseInteger(bytes) { return value }
        return parseInteger(trimmed(bytes))
    }

    /// A boolean field of a column known to be bool.
    @inline(__always)
    static func boolValue(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let text = trimmed(bytes)
        return text.count == 4 && lower(text[0]) == UInt8(ascii: "t")
    }

    static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// The common `-?digits(.digits)?` with at most 15 significant digits, computed
    /// exactly (one correctly rounded division of exact doubles); nil for anything else,
    /// which `slowDoubleValue` (strtod) handles.
    @inline(__always)
    static func fastDoubleValue(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let count = bytes.count
        var index = 0
        var negative = false
        if count > 0, bytes[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        while index < count {
            let digit = bytes[index] &- 48
            guard digit < 10 else { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            digits += 1
            index += 1
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < count {
                let digit = bytes[index] &- 48
                guard digit < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits += 1
                fractionDigits += 1
                index += 1
            }
        }
        if index == count, digits > 0, digits <= 15, fractionDigits <= 22 {
            let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        return nil
    }

    /// Any number text `classify` accepts as float (spaces around it allowed).
    static func slowDoubleValue(_ bytes: UnsafeRawBufferPointer) -> Double {
        let text = trimmed(bytes)
        if equalsLowercased(text, "nan") { return .nan }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { buffer in
            for index in 0..<text.count { buffer[index] = CChar(bitPattern: text[index]) }
            buffer[text.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }
}
