import CLZ4

/// Growable raw memory for building chunks and staging buffers without per-value
/// allocation. Used by one encoder or decoder call at a time, never shared.
final class ByteStorage {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more bytes past `count`; returns where they start.
    @discardableResult
    func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        let needed = count + extra
        if needed > capacity {
            let newCapacity = max(needed, capacity * 2)
            let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            newBase.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }
        return base + count
    }

    /// Scratch use: at least `size` bytes, contents undefined.
    func scratch(_ size: Int) -> UnsafeMutableRawPointer {
        count = 0
        return reserve(size)
    }

    func append<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size).storeBytes(of: value.littleEndian, as: T.self)
        count += MemoryLayout<T>.size
    }

    func append(_ bytes: UnsafeRawPointer, count byteCount: Int) {
        guard byteCount > 0 else { return }
        reserve(byteCount).copyMemory(from: bytes, byteCount: byteCount)
        count += byteCount
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        append(base, count: bytes.count)
    }

    func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }

    var bytes: [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: base, count: count))
    }
}

enum LZ4Block {
    /// Compresses into `output` (room for `LZ4.compressBound(count)` bytes); returns the
    /// compressed size, or 0 when LZ4 failed.
    static func compress(_ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer) -> Int {
        Int(
            LZ4_compress_default(
                input.assumingMemoryBound(to: CChar.self), output.assumingMemoryBound(to: CChar.self),
                Int32(count), Int32(LZ4.compressBound(count))))
    }

    /// Decompresses one block that must expand to exactly `rawCount` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer, rawCount: Int) throws(LZ4Error) {
        guard rawCount <= LZ4.maxInputSize, input.count <= Int(Int32.max) else { throw .inputTooLarge(rawCount) }
        guard let source = input.baseAddress, input.count > 0 else { throw .malformedBlock }
        let produced = LZ4_decompress_safe(
            source.assumingMemoryBound(to: CChar.self), output.assumingMemoryBound(to: CChar.self),
            Int32(input.count), Int32(rawCount))
        guard produced >= 0 else { throw .malformedBlock }
        guard Int(produced) == rawCount else { throw .lengthMismatch(expected: rawCount, actual: Int(produced)) }
    }
}

extension Array {
    /// `withUnsafeBytes` with a typed error (the standard one only rethrows `any Error`).
    @inline(__always)
    func withRawBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeBufferPointer { (buffer) throws(E) -> R in try body(UnsafeRawBufferPointer(buffer)) }
    }
}
