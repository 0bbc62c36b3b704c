/// Eight bytes at a time (SWAR: SIMD within a register) for the fast paths: how many
/// digits a field starts with, their value, and where the next delimiter, quote or line
/// end is. A word holds bytes `position..<position + 8` with the first byte in its low
/// bits, so "the first byte where…" is a trailing-zero count.
///
/// Callers load a word only when eight bytes remain in the block, and otherwise take
/// their byte-by-byte path; every answer here is exact for every byte value.
enum CSVWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    static func load(_ base: UnsafeRawPointer, at position: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    /// How many of the word's bytes, from the first, are ASCII digits (0 through 8).
    ///
    /// A byte below "0" borrows in `word - 0x30…` and one above "9" carries in
    /// `word + 0x46…`, either way setting its high bit; digits set neither and pass no
    /// carry or borrow on, so the first non-digit's flag is exact (later flags may not
    /// be, and are not used).
    @inline(__always)
    static func leadingDigits(_ word: UInt64) -> Int {
        let flags = ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & highBits
        return flags.trailingZeroBitCount &>> 3
    }

    /// The value of the word's first `count` bytes (1 through 8), which are digits.
    /// Shifts them to the top and combines pairs, then pairs of pairs, then halves.
    @inline(__always)
    static func digitsValue(_ word: UInt64, count: Int) -> UInt64 {
        var value = (word &<< UInt64(64 &- 8 &* count)) & 0x0F0F_0F0F_0F0F_0F0F
        value = (value &* 2561) &>> 8
        value = ((value & 0x00FF_00FF_00FF_00FF) &* 6_553_601) &>> 16
        return ((value & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) &>> 32
    }

    /// The index (0 through 8) of the word's first byte equal to one of the four.
    /// `(x - 0x01…) & ~x & 0x80…` flags a zero byte of x exactly when no lower byte is
    /// zero, so the lowest flag over the four comparisons is exact.
    @inline(__always)
    static func firstOf(_ word: UInt64, _ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> Int {
        @inline(__always) func zeros(_ x: UInt64) -> UInt64 { (x &- ones) & ~x }
        let flags = (zeros(word ^ a) | zeros(word ^ b) | zeros(word ^ c) | zeros(word ^ d)) & highBits
        return flags.trailingZeroBitCount &>> 3
    }

    /// 10^exponent for exponent 0 through 7, without a table: the two halves of the
    /// exponent's bits pick factors of 10, 100 and 10,000.
    @inline(__always)
    static func powerOfTen(_ exponent: Int) -> UInt64 {
        (exponent & 1 != 0 ? 10 : 1) &* (exponent & 2 != 0 ? 100 : 1) &* (exponent & 4 != 0 ? 10_000 : 1)
    }

    /// `byte` in every byte of a word, for `firstOf`.
    @inline(__always)
    static func broadcast(_ byte: UInt8) -> UInt64 { UInt64(byte) &* ones }
}

/// Where a plain field (no quote) that starts at `position` stops: at its delimiter, LF,
/// CR or quote, or at `count`. Eight bytes at a time while they last.
struct CSVStopFinder {
    let delimiter: UInt64
    static let lineFeed = CSVWord.broadcast(10)
    static let carriageReturn = CSVWord.broadcast(13)
    static let quote = CSVWord.broadcast(UInt8(ascii: "\""))

    init(delimiter: UInt8) { self.delimiter = CSVWord.broadcast(delimiter) }

    @inline(__always)
    func stop(_ base: UnsafeRawPointer, from start: Int, count: Int, table: UnsafePointer<UInt8>) -> Int {
        var position = start
        while position &+ 8 <= count {
            let found = CSVWord.firstOf(CSVWord.load(base, at: position), delimiter, Self.lineFeed, Self.carriageReturn, Self.quote)
            position &+= found
            if found < 8 { return position }
        }
        while position < count, table[Int(base.load(fromByteOffset: position, as: UInt8.self))] != CSVCharacterClass.stop {
            position &+= 1
        }
        return position
    }
}
