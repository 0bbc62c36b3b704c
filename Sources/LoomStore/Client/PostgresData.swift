import Foundation

/// PostgreSQL type OIDs that Loom sends and reads (pg_type.dat).
public struct PostgresType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let bool = PostgresType(rawValue: 16)
    public static let bytea = PostgresType(rawValue: 17)
    public static let int8 = PostgresType(rawValue: 20)
    public static let int4 = PostgresType(rawValue: 23)
    public static let text = PostgresType(rawValue: 25)
    public static let float8 = PostgresType(rawValue: 701)
    public static let timestamptz = PostgresType(rawValue: 1184)
    public static let uuid = PostgresType(rawValue: 2950)
    public static let jsonb = PostgresType(rawValue: 3802)
    public static let boolArray = PostgresType(rawValue: 1000)
    public static let int4Array = PostgresType(rawValue: 1007)
    public static let textArray = PostgresType(rawValue: 1009)
    public static let int8Array = PostgresType(rawValue: 1016)
    public static let float8Array = PostgresType(rawValue: 1022)
    public static let uuidArray = PostgresType(rawValue: 2951)
    public static let jsonbArray = PostgresType(rawValue: 3807)
}

/// A value sent as a bound parameter in PostgreSQL's binary format.
public protocol PostgresEncodable: Sendable {
    static var postgresType: PostgresType { get }
    /// Appends the value's binary representation (without a length prefix).
    func encode(into buffer: inout [UInt8])
    /// False only for SQL NULL.
    var isPostgresNull: Bool { get }
}

extension PostgresEncodable {
    public var isPostgresNull: Bool { false }
}

/// A value read from a result column in PostgreSQL's binary format.
public protocol PostgresDecodable {
    /// `bytes` is nil for SQL NULL.
    static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Self
}

/// A type that can stand in a one-dimensional PostgreSQL array.
public protocol PostgresArrayElement: PostgresEncodable, PostgresDecodable {
    static var postgresArrayType: PostgresType { get }
}

// MARK: - Byte helpers

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func readBigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

func decodingError(_ type: PostgresType, as swiftType: Any.Type, _ reason: String) -> PostgresError {
    PostgresError(kind: .decoding, message: "cannot decode column of type oid \(type.rawValue) as \(swiftType): \(reason)")
}

@inline(__always) func requireValue<T>(
    _ bytes: UnsafeRawBufferPointer?, _ type: PostgresType, _ swiftType: T.Type, expecting expected: PostgresType...
) throws(PostgresError) -> UnsafeRawBufferPointer {
    guard let bytes else { throw decodingError(type, as: swiftType, "value is NULL") }
    guard expected.contains(type) else { throw decodingError(type, as: swiftType, "unexpected type") }
    return bytes
}

// MARK: - Scalars

extension Bool: PostgresArrayElement {
    public static var postgresType: PostgresType { .bool }
    public static var postgresArrayType: PostgresType { .boolArray }
    public func encode(into buffer: inout [UInt8]) { buffer.append(self ? 1 : 0) }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Bool {
        let bytes = try requireValue(bytes, type, Bool.self, expecting: .bool)
        guard bytes.count == 1 else { throw decodingError(type, as: Bool.self, "\(bytes.count) bytes") }
        return bytes[0] != 0
    }
}

extension Int64: PostgresArrayElement {
    public static var postgresType: PostgresType { .int8 }
    public static var postgresArrayType: PostgresType { .int8Array }
    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Int64 {
        let bytes = try requireValue(bytes, type, Int64.self, expecting: .int8, .int4)
        switch bytes.count {
        case 8: return bytes.readBigEndian(Int64.self, at: 0)
        case 4: return Int64(bytes.readBigEndian(Int32.self, at: 0))
        default: throw decodingError(type, as: Int64.self, "\(bytes.count) bytes")
        }
    }
}

extension Int: PostgresArrayElement {
    public static var postgresType: PostgresType { .int8 }
    public static var postgresArrayType: PostgresType { .int8Array }
    public func encode(into buffer: inout [UInt8]) { Int64(self).encode(into: &buffer) }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Int {
        Int(try Int64.decode(bytes, type: type))
    }
}

extension Int32: PostgresArrayElement {
    public static var postgresType: PostgresType { .int4 }
    public static var postgresArrayType: PostgresType { .int4Array }
    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Int32 {
        let bytes = try requireValue(bytes, type, Int32.self, expecting: .int4)
        guard bytes.count == 4 else { throw decodingError(type, as: Int32.self, "\(bytes.count) bytes") }
        return bytes.readBigEndian(Int32.self, at: 0)
    }
}

extension Double: PostgresArrayElement {
    public static var postgresType: PostgresType { .float8 }
    public static var postgresArrayType: PostgresType { .float8Array }
    public func encode(into buffer: inout [UInt8]) { buffer.appendBigEndian(bitPattern) }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Double {
        let bytes = try requireValue(bytes, type, Double.self, expecting: .float8)
        guard bytes.count == 8 else { throw decodingError(type, as: Double.self, "\(bytes.count) bytes") }
        return Double(bitPattern: bytes.readBigEndian(UInt64.self, at: 0))
    }
}

extension String: PostgresArrayElement {
    public static var postgresType: PostgresType { .text }
    public static var postgresArrayType: PostgresType { .textArray }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> String {
        // text, varchar, name and the like all travel as plain UTF-8.
        guard let bytes else { throw decodingError(type, as: String.self, "value is NULL") }
        if type == .jsonb, bytes.first == 1 { return String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension UUID: PostgresArrayElement {
    public static var postgresType: PostgresType { .uuid }
    public static var postgresArrayType: PostgresType { .uuidArray }
    public func encode(into buffer: inout [UInt8]) {
        Swift.withUnsafeBytes(of: uuid) { buffer.append(contentsOf: $0) }
    }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> UUID {
        let bytes = try requireValue(bytes, type, UUID.self, expecting: .uuid)
        guard bytes.count == 16 else { throw decodingError(type, as: UUID.self, "\(bytes.count) bytes") }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        return UUID(uuid: raw)
    }
}

/// Microseconds between the Unix epoch and PostgreSQL's, 2000-01-01.
private let postgresEpochOffset: Int64 = 946_684_800_000_000

extension Date: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .timestamptz }
    public func encode(into buffer: inout [UInt8]) {
        let micros = Int64((timeIntervalSince1970 * 1_000_000).rounded()) - postgresEpochOffset
        buffer.appendBigEndian(micros)
    }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Date {
        let bytes = try requireValue(bytes, type, Date.self, expecting: .timestamptz)
        guard bytes.count == 8 else { throw decodingError(type, as: Date.self, "\(bytes.count) bytes") }
        let micros = bytes.readBigEndian(Int64.self, at: 0) + postgresEpochOffset
        return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
}

/// bytea: raw bytes, sent and read as binary (never hex text).
extension Data: PostgresEncodable, PostgresDecodable {
    public static var postgresType: PostgresType { .bytea }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: self) }
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Data {
        Data(try requireValue(bytes, type, Data.self, expecting: .bytea))
    }
}

/// A jsonb value, held as its JSON text.
public struct JSONB: PostgresArrayElement, Hashable, CustomStringConvertible {
    public var json: String
    public init(json: String) { self.json = json }

    /// Encodes any Encodable value as JSON (keys sorted, so equal values give equal text).
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        json = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    public var description: String { json }
    public static var postgresType: PostgresType { .jsonb }
    public static var postgresArrayType: PostgresType { .jsonbArray }

    public func encode(into buffer: inout [UInt8]) {
        buffer.append(1)  // jsonb binary format version
        buffer.append(contentsOf: json.utf8)
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> JSONB {
        let bytes = try requireValue(bytes, type, JSONB.self, expecting: .jsonb)
        guard bytes.first == 1 else { throw decodingError(type, as: JSONB.self, "unknown jsonb format version") }
        return JSONB(json: String(decoding: bytes.dropFirst(), as: UTF8.self))
    }
}

// MARK: - NULL and arrays

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresType: PostgresType { Wrapped.postgresType }
    public var isPostgresNull: Bool { self == nil }
    public func encode(into buffer: inout [UInt8]) { self?.encode(into: &buffer) }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Wrapped? {
        guard let bytes else { return nil }
        return try Wrapped.decode(bytes, type: type)
    }
}

/// One-dimensional arrays, PostgreSQL's binary array format: dimensions, a NULL flag,
/// the element OID, then (length, lower bound) per dimension and a length-prefixed element each.
extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresType { Element.postgresArrayType }

    public func encode(into buffer: inout [UInt8]) {
        buffer.appendBigEndian(Int32(1))
        buffer.appendBigEndian(Int32(contains { $0.isPostgresNull } ? 1 : 0))
        buffer.appendBigEndian(Element.postgresType.rawValue)
        buffer.appendBigEndian(Int32(count))
        buffer.appendBigEndian(Int32(1))
        for element in self {
            if element.isPostgresNull {
                buffer.appendBigEndian(Int32(-1))
                continue
            }
            let lengthAt = buffer.count
            buffer.appendBigEndian(Int32(0))
            element.encode(into: &buffer)
            let length = Int32(buffer.count - lengthAt - 4)
            Swift.withUnsafeBytes(of: length.bigEndian) { bytes in
                for index in 0..<4 { buffer[lengthAt + index] = bytes[index] }
            }
        }
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> [Element] {
        let bytes = try requireValue(bytes, type, [Element].self, expecting: Element.postgresArrayType)
        guard bytes.count >= 12 else { throw decodingError(type, as: [Element].self, "short array header") }
        let dimensions = bytes.readBigEndian(Int32.self, at: 0)
        if dimensions == 0 { return [] }
        guard dimensions == 1, bytes.count >= 20 else {
            throw decodingError(type, as: [Element].self, "\(dimensions)-dimensional arrays are not supported")
        }
        let elementType = PostgresType(rawValue: bytes.readBigEndian(UInt32.self, at: 8))
        let count = Int(bytes.readBigEndian(Int32.self, at: 12))
        var offset = 20
        var result: [Element] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard offset + 4 <= bytes.count else { throw decodingError(type, as: [Element].self, "truncated") }
            let length = Int(bytes.readBigEndian(Int32.self, at: offset))
            offset += 4
            if length < 0 {
                result.append(try Element.decode(nil, type: elementType))
                continue
            }
            guard offset + length <= bytes.count else { throw decodingError(type, as: [Element].self, "truncated") }
            result.append(try Element.decode(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), type: elementType))
            offset += length
        }
        return result
    }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresArrayType: PostgresType { Wrapped.postgresArrayType }
}

/// A Swift enum stored as one of a text column's allowed values (a CHECK ... IN (...)).
/// Decoding an unknown value is an error, never a silent default.
public protocol PostgresTextEnum: RawRepresentable, PostgresDecodable where RawValue == String {}

extension PostgresTextEnum {
    public static func decode(_ bytes: UnsafeRawBufferPointer?, type: PostgresType) throws(PostgresError) -> Self {
        let text = try String.decode(bytes, type: type)
        guard let value = Self(rawValue: text) else { throw decodingError(type, as: Self.self, "unknown value '\(text)'") }
        return value
    }
}
