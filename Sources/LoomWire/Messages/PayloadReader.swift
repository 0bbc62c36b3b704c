import NIOCore

/// Reads a message payload field by field, big-endian (proto/PROTOCOL.md, "Field types").
/// Every read is bounds-checked and names its field in the error; nothing allocates on
/// the strength of a length read from the wire before the bytes are known to be there.
struct PayloadReader {
    var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    mutating func integer<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(WireError) -> T {
        guard let value = buffer.readInteger(endianness: .big, as: T.self) else {
            throw WireError(.truncated, field: field, "needs \(MemoryLayout<T>.size) bytes, \(buffer.readableBytes) left")
        }
        return value
    }

    mutating func u8(_ field: String) throws(WireError) -> UInt8 { try integer(UInt8.self, field) }
    mutating func u16(_ field: String) throws(WireError) -> UInt16 { try integer(UInt16.self, field) }
    mutating func u32(_ field: String) throws(WireError) -> UInt32 { try integer(UInt32.self, field) }
    mutating func u64(_ field: String) throws(WireError) -> UInt64 { try integer(UInt64.self, field) }
    mutating func i64(_ field: String) throws(WireError) -> Int64 { try integer(Int64.self, field) }

    mutating func f64(_ field: String) throws(WireError) -> Double {
        Double(bitPattern: try u64(field))
    }

    mutating func bool(_ field: String) throws(WireError) -> Bool {
        switch try u8(field) {
        case 0: return false
        case 1: return true
        case let other: throw WireError(.invalidValue, field: field, "boolean must be 0 or 1, got \(other)")
        }
    }

    /// A u8 code mapped to an enum.
    mutating func code<T: RawRepresentable>(_: T.Type, _ field: String) throws(WireError) -> T where T.RawValue == UInt8 {
        let raw = try u8(field)
        guard let value = T(rawValue: raw) else { throw WireError(.invalidValue, field: field, "unknown code \(raw)") }
        return value
    }

    /// A u32 length, checked against the bytes that are actually left.
    private mutating func length(_ field: String) throws(WireError) -> Int {
        let length = Int(try u32(field))
        guard length <= buffer.readableBytes else {
            throw WireError(.truncated, field: field, "length \(length) exceeds the \(buffer.readableBytes) bytes left")
        }
        return length
    }

    mutating func string(_ field: String) throws(WireError) -> String {
        let length = try length(field)
        guard let view = buffer.readSlice(length: length) else { throw WireError(.truncated, field: field, "string") }
        let text = view.readableBytesView.withContiguousStorageIfAvailable { String(validating: $0, as: UTF8.self) }
            ?? String(validating: Array(view.readableBytesView), as: UTF8.self)
        guard let text else { throw WireError(.invalidUTF8, field: field, "string of \(length) bytes is not UTF-8") }
        return text
    }

    mutating func bytes(_ field: String) throws(WireError) -> ByteBuffer {
        let length = try length(field)
        guard let slice = buffer.readSlice(length: length) else { throw WireError(.truncated, field: field, "bytes") }
        return slice
    }

    mutating func uuid(_ field: String) throws(WireError) -> WireUUID {
        WireUUID(high: try u64(field), low: try u64(field))
    }

    mutating func chunkHash(_ field: String) throws(WireError) -> WireChunkHash {
        WireChunkHash(high: try u64(field), low: try u64(field))
    }

    mutating func time(_ field: String) throws(WireError) -> WireTime {
        WireTime(millisecondsSinceEpoch: try i64(field))
    }

    mutating func bytes32(_ field: String) throws(WireError) -> Bytes32 {
        guard let bytes = buffer.readBytes(length: 32) else { throw WireError(.truncated, field: field, "needs 32 bytes") }
        return Bytes32(uncheckedBytes: bytes)
    }

    /// A u32 count then that many elements. Every element takes at least one byte, so a
    /// count larger than the bytes left is refused before any element is read.
    mutating func list<T>(_ field: String, _ element: (inout PayloadReader) throws(WireError) -> T) throws(WireError) -> [T] {
        let count = Int(try u32(field))
        guard count <= buffer.readableBytes else {
            throw WireError(.truncated, field: field, "\(count) elements cannot fit in \(buffer.readableBytes) bytes")
        }
        var elements = [T]()
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try element(&self)) }
        return elements
    }

    mutating func optional<T>(_ field: String, _ value: (inout PayloadReader) throws(WireError) -> T) throws(WireError) -> T? {
        try bool(field) ? try value(&self) : nil
    }

    /// Every field has been read: bytes left over are an error.
    func finish() throws(WireError) {
        guard buffer.readableBytes == 0 else {
            throw WireError(.trailingBytes, "\(buffer.readableBytes) bytes after the last field")
        }
    }
}

/// The writing side of `PayloadReader`, as ByteBuffer helpers.
extension ByteBuffer {
    mutating func writeWire(_ value: Bool) { writeInteger(value ? 1 as UInt8 : 0) }
    mutating func writeWire(_ value: Double) { writeInteger(value.bitPattern) }
    mutating func writeWire(_ value: WireUUID) {
        writeInteger(value.high)
        writeInteger(value.low)
    }
    mutating func writeWire(_ value: WireChunkHash) {
        writeInteger(value.high)
        writeInteger(value.low)
    }
    mutating func writeWire(_ value: WireTime) { writeInteger(value.millisecondsSinceEpoch) }
    mutating func writeWire(_ value: Bytes32) { writeBytes(value.bytes) }

    mutating func writeWire(_ value: String) {
        writeInteger(UInt32(truncatingIfNeeded: value.utf8.count))
        writeString(value)
    }

    mutating func writeWire(_ value: ByteBuffer) {
        writeInteger(UInt32(truncatingIfNeeded: value.readableBytes))
        writeImmutableBuffer(value)
    }

    mutating func writeWire<T>(_ elements: [T], _ element: (inout ByteBuffer, T) -> Void) {
        writeInteger(UInt32(truncatingIfNeeded: elements.count))
        for value in elements { element(&self, value) }
    }

    mutating func writeWire<T>(_ value: T?, _ element: (inout ByteBuffer, T) -> Void) {
        writeWire(value != nil)
        if let value { element(&self, value) }
    }
}
