/// Bit-packing of unsigned integers of a fixed width (0...64 bits), least significant
/// bit first: value i occupies bits i·w ..< (i+1)·w of a little-endian bit stream.
/// Used for frame-of-reference integers, decimal floats, dictionary codes and booleans.
enum BitPacking {
    /// Bytes that `count` values of `width` bits take, or nil on overflow.
    static func byteCount(count: Int, width: Int) -> Int? {
        guard count >= 0, (0...64).contains(width) else { return nil }
        let (bits, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, bits <= Int.max - 7 else { return nil }
        return (bits + 7) >> 3
    }

    /// The width that holds every value in 0...maximum.
    static func width(forMaximum maximum: UInt64) -> Int { 64 - maximum.leadingZeroBitCount }

    /// Packs `count` values, each `value(i)` < 2^width, into `output`, which must hold
    /// `byteCount(count:width:)` bytes.
    @inline(__always)
    static func pack(count: Int, width: Int, into output: UnsafeMutableRawPointer, _ value: (Int) -> UInt64) {
        guard width > 0 else { return }
        var accumulator: UInt64 = 0
        var bits = 0
        var offset = 0
        for index in 0..<count {
            let item = value(index)
            accumulator |= item &<< UInt64(bits)
            let total = bits + width
            if total >= 64 {
                output.storeBytes(of: accumulator.littleEndian, toByteOffset: offset, as: UInt64.self)
                offset += 8
                let written = 64 - bits
                accumulator = written >= 64 ? 0 : item &>> UInt64(written)
                bits = total - 64
            } else {
                bits = total
            }
        }
        while bits > 0 {
            output.storeBytes(of: UInt8(truncatingIfNeeded: accumulator), toByteOffset: offset, as: UInt8.self)
            accumulator >>= 8
            offset += 1
            bits -= 8
        }
    }

    /// Unpacks `count` values of `width` bits from `input` (which holds `byteCount` bytes,
    /// at least `byteCount(count:width:)`), handing each to `sink(i, value)`.
    @inline(__always)
    static func unpack(count: Int, width: Int, from input: UnsafeRawPointer, byteCount: Int, _ sink: (Int, UInt64) -> Void) {
        guard width > 0 else {
            for index in 0..<count { sink(index, 0) }
            return
        }
        let mask: UInt64 = width == 64 ? .max : (1 &<< UInt64(width)) &- 1
        var index = 0
        var bitPosition = 0
        if width <= 56 {
            // One unaligned 8-byte load holds any value of up to 57 bits; stop 8 bytes short
            // of the end and finish byte by byte.
            while index < count, (bitPosition >> 3) + 8 <= byteCount {
                let word = input.loadLE64(bitPosition >> 3)
                sink(index, (word &>> UInt64(bitPosition & 7)) & mask)
                bitPosition += width
                index += 1
            }
        }
        while index < count {
            sink(index, readBits(input, bitPosition: bitPosition, width: width, byteCount: byteCount) & mask)
            bitPosition += width
            index += 1
        }
    }

    @inline(__always)
    private static func readBits(_ input: UnsafeRawPointer, bitPosition: Int, width: Int, byteCount: Int) -> UInt64 {
        var result: UInt64 = 0
        let shift = bitPosition & 7
        var byte = bitPosition >> 3
        var produced = -shift
        while produced < width, byte < byteCount {
            let value = UInt64(input.load(fromByteOffset: byte, as: UInt8.self))
            if produced < 0 {
                result = value &>> UInt64(-produced)
            } else {
                result |= value &<< UInt64(produced)
            }
            produced += 8
            byte += 1
        }
        return result
    }
}

/// Byte shuffling (as in Blosc): for elements of `width` bytes, byte j of every element is
/// gathered into stream j. Neighbouring numbers share their high bytes, so the shuffled
/// streams hold long runs that LZ4 compresses far better than the interleaved bytes.
/// Trailing bytes that do not fill an element are copied unchanged.
enum ByteShuffle {
    static func shuffle(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer, byteCount: Int, width: Int) {
        let elements = byteCount / width
        switch width {
        case 8:
            for index in 0..<elements {
                var word = input.loadLE64(index * 8)
                for stream in 0..<8 {
                    output.storeBytes(of: UInt8(truncatingIfNeeded: word), toByteOffset: stream * elements + index, as: UInt8.self)
                    word >>= 8
                }
            }
        case 4:
            for index in 0..<elements {
                var word = input.loadLE32(index * 4)
                for stream in 0..<4 {
                    output.storeBytes(of: UInt8(truncatingIfNeeded: word), toByteOffset: stream * elements + index, as: UInt8.self)
                    word >>= 8
                }
            }
        default:
            for index in 0..<elements {
                for stream in 0..<width {
                    output.storeBytes(
                        of: input.load(fromByteOffset: index * width + stream, as: UInt8.self),
                        toByteOffset: stream * elements + index, as: UInt8.self)
                }
            }
        }
        let done = elements * width
        if done < byteCount { (output + done).copyMemory(from: input + done, byteCount: byteCount - done) }
    }

    static func unshuffle(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer, byteCount: Int, width: Int) {
        let elements = byteCount / width
        switch width {
        case 8:
            for index in 0..<elements {
                var word: UInt64 = 0
                for stream in 0..<8 {
                    word |= UInt64(input.load(fromByteOffset: stream * elements + index, as: UInt8.self)) &<< UInt64(stream * 8)
                }
                output.storeBytes(of: word.littleEndian, toByteOffset: index * 8, as: UInt64.self)
            }
        case 4:
            for index in 0..<elements {
                var word: UInt32 = 0
                for stream in 0..<4 {
                    word |= UInt32(input.load(fromByteOffset: stream * elements + index, as: UInt8.self)) &<< UInt32(stream * 8)
                }
                output.storeBytes(of: word.littleEndian, toByteOffset: index * 4, as: UInt32.self)
            }
        default:
            for index in 0..<elements {
                for stream in 0..<width {
                    output.storeBytes(
                        of: input.load(fromByteOffset: stream * elements + index, as: UInt8.self),
                        toByteOffset: index * width + stream, as: UInt8.self)
                }
            }
        }
        let done = elements * width
        if done < byteCount { (output + done).copyMemory(from: input + done, byteCount: byteCount - done) }
    }
}
