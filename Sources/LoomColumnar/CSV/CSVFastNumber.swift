/// Numbers read straight from a row's bytes by the fast paths: each parser reads from
/// `start` as far as its form goes and returns the value with the position of the first
/// byte after it, which the caller then checks is the field's end (a delimiter or line
/// end). Anything else (a plus sign, an exponent, too many digits, no digits) is nil and
/// goes to the general path, which accepts every form.
enum CSVFastNumber {
    /// `-?[0-9]+` with at most 18 digits, so it cannot overflow: the same value as
    /// `CSVValueParser.parseInteger`.
    @inline(__always)
    static func integer(_ base: UnsafeRawPointer, from start: Int, count: Int) -> (value: Int64, end: Int)? {
        var position = start
        let negative = position < count && base.load(fromByteOffset: position, as: UInt8.self) == UInt8(ascii: "-")
        if negative { position += 1 }
        if position &+ 8 <= count {
            // Eight bytes at once: settled unless all eight are digits.
            let word = CSVWord.load(base, at: position)
            let digits = CSVWord.leadingDigits(word)
            if digits == 0 { return nil }
            if digits < 8 {
                let magnitude = Int64(CSVWord.digitsValue(word, count: digits))
                return (negative ? -magnitude : magnitude, position &+ digits)
            }
        }
        let digitsStart = position
        var magnitude: Int64 = 0
        while position < count {
            let digit = base.load(fromByteOffset: position, as: UInt8.self) &- 48
            if digit >= 10 { break }
            magnitude = magnitude &* 10 &+ Int64(digit)
            position += 1
        }
        let digits = position - digitsStart
        guard digits > 0, digits <= 18 else { return nil }
        return (negative ? -magnitude : magnitude, position)
    }

    /// `-?[0-9]*(\.[0-9]*)?` with 1 to 15 digits in all. The digits as an integer are
    /// below 2^53 and 10^fraction digits is an exact double, so one IEEE division gives
    /// the correctly rounded value (Clinger's fast path): the same computation as
    /// `CSVValueParser.fastDoubleValue`.
    ///
    /// `powersOfTen` holds 10^0 through 10^15 (see `PowersOfTen`). `scale` is the fewest
    /// decimal places that write the value (`1.50` has one), which the chunk encoder's
    /// decimal plan would otherwise find by trial divisions.
    @inline(__always)
    static func double(
        _ base: UnsafeRawPointer, from start: Int, count: Int, powersOfTen: UnsafePointer<Double>
    ) -> (value: Double, end: Int, digits: Digits)? {
        var position = start
        let negative = position < count && base.load(fromByteOffset: position, as: UInt8.self) == UInt8(ascii: "-")
        if negative { position += 1 }
        if let (mantissa, fractionDigits, end) = wordDecimal(base, from: position, count: count) {
            // A signed integer converts in one instruction (the mantissa is below 2^53).
            let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
            return (negative ? -magnitude : magnitude, end, Digits(mantissa: UInt64(mantissa), fractionDigits: fractionDigits))
        }
        var mantissa: UInt64 = 0
        let integerStart = position
        while position < count {
            let digit = base.load(fromByteOffset: position, as: UInt8.self) &- 48
            if digit >= 10 { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            position += 1
        }
        var digits = position - integerStart
        var fractionDigits = 0
        if position < count, base.load(fromByteOffset: position, as: UInt8.self) == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < count {
                let digit = base.load(fromByteOffset: position, as: UInt8.self) &- 48
                if digit >= 10 { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                position += 1
            }
            fractionDigits = position - fractionStart
            digits += fractionDigits
        }
        guard digits > 0, digits <= 15 else { return nil }
        let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
        return (negative ? -magnitude : magnitude, position, Digits(mantissa: mantissa, fractionDigits: fractionDigits))
    }

    /// A decimal's digits as parsed: the value is mantissa / 10^fractionDigits.
    struct Digits {
        var mantissa: UInt64
        var fractionDigits: Int

        /// The fraction digits left once trailing zeros are dropped: usually one test.
        /// At most `fractionDigits`, so a caller after the largest scale of many values
        /// computes it only for values with more fraction digits than that.
        @inline(__always)
        var scale: Int {
            var mantissa = mantissa
            var scale = fractionDigits
            while scale > 0, mantissa % 10 == 0 {
                mantissa /= 10
                scale &-= 1
            }
            return scale
        }
    }
}

extension CSVFastNumber {
    /// `double`'s common case, a word at a time: fewer than eight digits before the point
    /// and fewer than eight after it, with eight bytes left to load at each. Returns the
    /// digits as an integer and how many follow the point; nil when it cannot tell (then
    /// `double` reads byte by byte, to the same answer).
    @inline(__always)
    static func wordDecimal(_ base: UnsafeRawPointer, from start: Int, count: Int) -> (mantissa: Int64, fractionDigits: Int, end: Int)? {
        guard start &+ 17 <= count else { return nil }
        let word = CSVWord.load(base, at: start)
        let integerDigits = CSVWord.leadingDigits(word)
        guard integerDigits < 8 else { return nil }
        var mantissa = integerDigits == 0 ? 0 : CSVWord.digitsValue(word, count: integerDigits)
        var position = start &+ integerDigits
        var fractionDigits = 0
        // The byte after the digits is in the word already.
        if UInt8(truncatingIfNeeded: word &>> UInt64(integerDigits &* 8)) == UInt8(ascii: ".") {
            position &+= 1
            let fraction = CSVWord.load(base, at: position)
            fractionDigits = CSVWord.leadingDigits(fraction)
            guard fractionDigits < 8 else { return nil }
            if fractionDigits > 0 {
                mantissa = mantissa &* CSVWord.powerOfTen(fractionDigits) &+ CSVWord.digitsValue(fraction, count: fractionDigits)
            }
            position &+= fractionDigits
        }
        guard integerDigits &+ fractionDigits > 0 else { return nil }
        return (Int64(bitPattern: mantissa), fractionDigits, position)
    }

    /// What pass one needs to know of a number: how far `-?[0-9]*(\.[0-9]*)?` reaches from
    /// `start`, how many digits it has, and whether it had a point.
    struct Shape {
        var end: Int
        var digits: Int
        var hasPoint: Bool

        /// The kind `CSVValueParser.classify` gives the same text, when the text is the
        /// whole field and this shape decides it; nil when only the general classifier can
        /// tell (no digits, or an integer too long to be sure it fits in Int64).
        var kind: CSVValueKinds? {
            if digits == 0 { return nil }
            if hasPoint { return .float }
            return digits <= 18 ? .integer : nil
        }
    }

    @inline(__always)
    static func shape(_ base: UnsafeRawPointer, from start: Int, count: Int) -> Shape {
        var position = start
        if position < count, base.load(fromByteOffset: position, as: UInt8.self) == UInt8(ascii: "-") { position += 1 }
        if position &+ 17 <= count {
            let word = CSVWord.load(base, at: position)
            let integerDigits = CSVWord.leadingDigits(word)
            if integerDigits < 8 {
                let afterInteger = position &+ integerDigits
                guard UInt8(truncatingIfNeeded: word &>> UInt64(integerDigits &* 8)) == UInt8(ascii: ".") else {
                    return Shape(end: afterInteger, digits: integerDigits, hasPoint: false)
                }
                let fractionDigits = CSVWord.leadingDigits(CSVWord.load(base, at: afterInteger &+ 1))
                if fractionDigits < 8 {
                    return Shape(end: afterInteger &+ 1 &+ fractionDigits, digits: integerDigits &+ fractionDigits, hasPoint: true)
                }
            }
        }
        let integerStart = position
        while position < count, base.load(fromByteOffset: position, as: UInt8.self) &- 48 < 10 { position += 1 }
        var digits = position - integerStart
        var hasPoint = false
        if position < count, base.load(fromByteOffset: position, as: UInt8.self) == UInt8(ascii: ".") {
            hasPoint = true
            position += 1
            let fractionStart = position
            while position < count, base.load(fromByteOffset: position, as: UInt8.self) &- 48 < 10 { position += 1 }
            digits += position - fractionStart
        }
        return Shape(end: position, digits: digits, hasPoint: hasPoint)
    }
}

/// 10^0 through 10^15, every one exact in a double, in memory its owner allocates once:
/// a plain load on the hot path (a switch became an indirect jump, a global array a
/// lazy-initialisation check).
final class PowersOfTen {
    let table: UnsafeMutablePointer<Double>

    init() {
        table = .allocate(capacity: 16)
        var value = 1.0
        for exponent in 0..<16 {
            (table + exponent).initialize(to: value)
            value *= 10
        }
    }

    deinit { table.deallocate() }
}
