import CPostgres
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Every call blocks the calling thread until the server answers,
/// so it must never be used from Swift's cooperative thread pool directly: the store
/// runs connections on threads of their own.
public final class PostgresConnection {
    let handle: OpaquePointer

    /// Connects with a libpq connection string or URL
    /// (`postgresql://user@host:port/db` or `host=... port=...`).
    public init(_ conninfo: String) throws(PostgresError) {
        guard let handle = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let error = PostgresError(connection: handle, context: "could not connect")
            PQfinish(handle)
            throw error
        }
        self.handle = handle
    }

    deinit {
        PQfinish(handle)
    }

    /// The server's version as a number, for example 150018 for 15.18.
    public var serverVersion: Int {
        Int(PQserverVersion(handle))
    }

    /// Runs one statement with text parameters ($1, $2, …) and returns every row as text
    /// (nil for SQL NULL). Values are always sent as bound parameters, never spliced into SQL.
    public func queryText(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> [[String?]] {
        let result = withTextParameters(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw PostgresError(connection: handle, context: "query failed") }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
            break
        default:
            throw PostgresError(result: result)
        }
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                values.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(values)
        }
        return rows
    }
}

/// Hands libpq an array of NUL-terminated C strings that live for the duration of `body`.
private func withTextParameters<Result>(
    _ parameters: [String?],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result
) -> Result {
    let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0)! } }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
