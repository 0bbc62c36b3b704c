#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Distinct byte strings with a code each (in order of first appearance) and how often
/// each was added: builds dictionary-encoded string columns and their value counts
/// without making a String per row.
struct ByteDictionary {
    /// One per distinct string, everything a lookup reads in one place.
    private struct Entry {
        var hash: UInt64
        /// The bytes of a string of at most 16 bytes (`shortKey`), so that short strings,
        /// the usual categories, compare without memcmp; zeros for longer ones.
        var key: (low: UInt64, high: UInt64)
        /// The string is `arena[start..<start + length]`.
        var start: Int
        var length: Int
        var count: Int
    }

    private var entries: [Entry] = []
    private var arena: [UInt8] = []
    /// Entry index + 1, or 0 for an empty slot.
    private var slots = [Int32](repeating: 0, count: 64)

    var count: Int { entries.count }

    /// How often each entry was added.
    var counts: [Int] { entries.map(\.count) }

    /// The entry's code, adding it when new; counts one occurrence.
    @inline(__always)
    mutating func add(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        if bytes.count <= 16 { return addShort(bytes) }
        let hash = Self.hash(bytes)
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = Int(slots[index])
            if slot == 0 { break }
            let entry = slot - 1
            if entries[entry].hash == hash, equals(entry, bytes) {
                entries[entry].count += 1
                return UInt32(entry)
            }
            index = (index + 1) & mask
        }
        return insert(bytes, hash: hash, slot: index, key: (0, 0))
    }

    /// `add` for at most 16 bytes: hashed and compared as two words and a length.
    @inline(__always)
    private mutating func addShort(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let key = Self.shortKey(bytes)
        let hash = mix64(key.low ^ (key.high &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(truncatingIfNeeded: bytes.count))
        let found: UInt32? = slots.withUnsafeBufferPointer { slots in
            entries.withUnsafeMutableBufferPointer { entries in
                let mask = slots.count - 1
                var index = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let slot = Int(slots[index])
                    if slot == 0 { return nil }
                    let entry = slot - 1
                    if entries[entry].hash == hash, entries[entry].key == key, entries[entry].length == bytes.count {
                        entries[entry].count &+= 1
                        return UInt32(truncatingIfNeeded: entry)
                    }
                    index = (index + 1) & mask
                }
            }
        }
        if let found { return found }
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index] != 0 { index = (index + 1) & mask }
        return insert(bytes, hash: hash, slot: index, key: key)
    }

    /// Up to 16 bytes as two little-endian words, zero-padded, read without touching a
    /// byte outside `bytes` (overlapping loads, then shifts).
    @inline(__always)
    static func shortKey(_ bytes: UnsafeRawBufferPointer) -> (low: UInt64, high: UInt64) {
        let count = bytes.count
        guard let base = bytes.baseAddress, count > 0 else { return (0, 0) }
        if count >= 8 {
            let last = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            return (base.loadUnaligned(as: UInt64.self), last >> UInt64(8 * (16 - count)))
        }
        if count >= 4 {
            let first = UInt64(base.loadUnaligned(as: UInt32.self))
            let last = UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            return (first | last << UInt64(8 * (count - 4)), 0)
        }
        let middle = UInt64(base.load(fromByteOffset: count / 2, as: UInt8.self)) << UInt64(8 * (count / 2))
        let last = UInt64(base.load(fromByteOffset: count - 1, as: UInt8.self)) << UInt64(8 * (count - 1))
        return (UInt64(base.load(as: UInt8.self)) | middle | last, 0)
    }

    private mutating func insert(_ bytes: UnsafeRawBufferPointer, hash: UInt64, slot index: Int, key: (low: UInt64, high: UInt64)) -> UInt32 {
        let entry = entries.count
        entries.append(Entry(hash: hash, key: key, start: arena.count, length: bytes.count, count: 1))
        arena.append(contentsOf: bytes)
        slots[index] = Int32(entry + 1)
        if entries.count * 2 > slots.count { grow() }
        return UInt32(entry)
    }

    @inline(__always)
    private func equals(_ entry: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let (start, length) = (entries[entry].start, entries[entry].length)
        guard length == bytes.count else { return false }
        return arena.withUnsafeBytes { arena in
            length == 0 || memcmp(arena.baseAddress! + start, bytes.baseAddress!, length) == 0
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (entry, value) in entries.enumerated() {
            var index = Int(truncatingIfNeeded: value.hash) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = Int32(entry + 1)
        }
    }

    func entryBytes(_ entry: Int) -> ArraySlice<UInt8> { arena[entries[entry].start..<entries[entry].start + entries[entry].length] }

    func entryString(_ entry: Int) -> String { String(decoding: entryBytes(entry), as: UTF8.self) }

    var strings: [String] { (0..<count).map(entryString) }

    /// A 64-bit hash of a byte string, eight bytes at a time.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 32
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        return mix64(hash ^ tail)
    }
}
