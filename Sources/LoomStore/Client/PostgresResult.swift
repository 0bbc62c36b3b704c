import CPostgres

/// The rows of one statement, in binary format. Owns its PGresult; read it on the thread
/// that ran the statement and decode into Sendable values before handing them on.
public final class PostgresResult: RandomAccessCollection {
    let handle: OpaquePointer
    public let startIndex = 0
    public let endIndex: Int

    init(_ handle: OpaquePointer) {
        self.handle = handle
        endIndex = Int(PQntuples(handle))
    }

    deinit {
        PQclear(handle)
    }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(result: self, index: Int32(position))
    }

    public var columnCount: Int { Int(PQnfields(handle)) }

    /// Rows that an INSERT, UPDATE or DELETE touched.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    public func columnName(_ column: Int) -> String {
        String(cString: PQfname(handle, Int32(column)))
    }

    /// The first row decoded with `body`, or nil when there is none.
    public func first<T>(_ body: (PostgresRow) throws(PostgresError) -> T) throws(PostgresError) -> T? {
        guard !isEmpty else { return nil }
        return try body(self[0])
    }

    public func map<T>(_ body: (PostgresRow) throws(PostgresError) -> T) throws(PostgresError) -> [T] {
        var values: [T] = []
        values.reserveCapacity(count)
        for row in self { values.append(try body(row)) }
        return values
    }
}

public struct PostgresRow {
    let result: PostgresResult
    let index: Int32

    /// Decodes column `column` (0-based) as `T`; throws a decoding error naming the column
    /// when the type does not fit or the value is NULL for a non-optional `T`.
    public func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) throws(PostgresError) -> T {
        let handle = result.handle
        let field = Int32(column)
        guard field < PQnfields(handle) else {
            throw PostgresError(kind: .decoding, message: "no column \(column) in a row of \(PQnfields(handle))")
        }
        let oid = PostgresType(rawValue: PQftype(handle, field))
        do {
            if PQgetisnull(handle, index, field) == 1 {
                return try T.decode(nil, type: oid)
            }
            let length = Int(PQgetlength(handle, index, field))
            let bytes = UnsafeRawBufferPointer(start: PQgetvalue(handle, index, field), count: length)
            return try T.decode(bytes, type: oid)
        } catch {
            var error = error
            error.message = "column \(column) (\(result.columnName(column))): \(error.message)"
            throw error
        }
    }

    public subscript<T: PostgresDecodable>(_ column: Int, as type: T.Type = T.self) -> T {
        get throws(PostgresError) { try decode(column, as: type) }
    }
}
