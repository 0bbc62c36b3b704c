/// The values of a string column, stored either plainly (every row's UTF-8 bytes, one
/// after another, with offsets) or dictionary-encoded (a few distinct strings and one
/// code per row). Both read the same; the chunk encoder writes each its own way.
public struct StringArray: Sendable, Equatable, RandomAccessCollection {
    public enum Storage: Sendable, Equatable {
        /// `offsets.count == count + 1`; row i is `bytes[offsets[i]..<offsets[i+1]]`.
        case plain(offsets: [UInt32], bytes: [UInt8])
        /// Row i is `entries[codes[i]]`.
        case dictionary(entries: [String], codes: [UInt32])
    }

    public let storage: Storage

    public init(_ strings: [String]) {
        var offsets = [UInt32]()
        offsets.reserveCapacity(strings.count + 1)
        offsets.append(0)
        var bytes = [UInt8]()
        for string in strings {
            bytes.append(contentsOf: string.utf8)
            offsets.append(UInt32(truncatingIfNeeded: bytes.count))
        }
        precondition(bytes.count <= UInt32.max, "a plain string array holds at most 4 GiB of text")
        storage = .plain(offsets: offsets, bytes: bytes)
    }

    /// Plain storage from offsets and UTF-8 bytes; the offsets must start at 0, never
    /// decrease, and end at `bytes.count`.
    public init(offsets: [UInt32], bytes: [UInt8]) throws(ColumnarError) {
        guard let first = offsets.first, first == 0, Int(offsets[offsets.count - 1]) == bytes.count else {
            throw .invalidOffsets
        }
        for index in 1..<offsets.count where offsets[index] < offsets[index - 1] { throw .invalidOffsets }
        storage = .plain(offsets: offsets, bytes: bytes)
    }

    /// Dictionary storage; every code must index `entries`.
    public init(entries: [String], codes: [UInt32]) throws(ColumnarError) {
        for (row, code) in codes.enumerated() where Int(code) >= entries.count {
            throw .invalidDictionaryCode(row: row, code: code, dictionaryCount: entries.count)
        }
        storage = .dictionary(entries: entries, codes: codes)
    }

    init(uncheckedStorage storage: Storage) { self.storage = storage }

    /// Dictionary-encodes `strings`, entries in order of first appearance.
    public static func dictionaryEncoded(_ strings: [String]) -> StringArray {
        var index = [String: UInt32]()
        var entries = [String]()
        let codes = strings.map { string in
            if let code = index[string] { return code }
            let code = UInt32(entries.count)
            index[string] = code
            entries.append(string)
            return code
        }
        return StringArray(uncheckedStorage: .dictionary(entries: entries, codes: codes))
    }

    public var isDictionaryEncoded: Bool {
        if case .dictionary = storage { true } else { false }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .plain(let offsets, _): offsets.count - 1
        case .dictionary(_, let codes): codes.count
        }
    }

    public subscript(row: Int) -> String {
        switch storage {
        case .plain(let offsets, let bytes):
            String(decoding: bytes[Int(offsets[row])..<Int(offsets[row + 1])], as: UTF8.self)
        case .dictionary(let entries, let codes):
            entries[Int(codes[row])]
        }
    }

    /// Byte-wise equality of one row here and one row of `other` (no Unicode normalization).
    func utf8Equal(row: Int, _ other: StringArray, row otherRow: Int) -> Bool {
        withUTF8(row: row) { mine in other.withUTF8(row: otherRow) { theirs in mine.elementsEqual(theirs) } }
    }

    func withUTF8<R>(row: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch storage {
        case .plain(let offsets, let bytes):
            return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[Int(offsets[row])..<Int(offsets[row + 1])])) }
        case .dictionary(let entries, let codes):
            var entry = entries[Int(codes[row])]
            return entry.withUTF8(body)
        }
    }

    public static func == (lhs: StringArray, rhs: StringArray) -> Bool {
        lhs.count == rhs.count && (0..<lhs.count).allSatisfy { lhs.utf8Equal(row: $0, rhs, row: $0) }
    }
}
