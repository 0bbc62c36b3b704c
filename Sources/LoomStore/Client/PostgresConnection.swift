import CPostgres

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Every call blocks the calling thread until the server answers,
/// so it is never used from Swift's cooperative thread pool: `PostgresPool` keeps each
/// connection on a `ConnectionThread` of its own.
///
/// Statements go out with binary parameters and come back in binary format; each distinct
/// statement is prepared once per connection and executed by name afterwards.
public final class PostgresConnection {
    let handle: OpaquePointer
    private var preparedNames: [PreparedKey: String] = [:]

    private struct PreparedKey: Hashable {
        var sql: String
        var types: [UInt32]
    }

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
        // Server notices ("relation already exists, skipping") are not errors; keep them off stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit {
        PQfinish(handle)
    }

    /// The server's version as a number, for example 150018 for 15.18.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// The PID of the server process behind this connection.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// False once the connection broke; the pool then replaces it.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// True while a transaction is open (or has failed and awaits ROLLBACK).
    var isInTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// Runs one statement with bound parameters ($1, $2, …). Values never become SQL text.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws(PostgresError) -> PostgresResult {
        let bindings = ParameterBindings(parameters)
        let key = PreparedKey(sql: sql, types: bindings.types)
        do {
            return try executePrepared(key, bindings)
        } catch let error where error.sqlState == "0A000" || error.sqlState == "26000" {
            // "cached plan must not change result type" after a schema change, or a prepared
            // statement the server forgot: prepare it again, once.
            preparedNames[key] = nil
            if isInTransaction { throw error }
            return try executePrepared(key, bindings)
        }
    }

    /// Runs one or more statements without parameters (the simple query protocol), for
    /// migrations and transaction control.
    public func execute(_ sql: String) throws(PostgresError) {
        guard let result = PQexec(handle, sql) else {
            throw PostgresError(connection: handle, context: "statement failed")
        }
        defer { PQclear(result) }
        try check(result)
    }

    private func executePrepared(_ key: PreparedKey, _ bindings: ParameterBindings) throws(PostgresError) -> PostgresResult {
        let name = try preparedName(for: key)
        let result = bindings.withLibpqArguments { count, values, lengths, formats in
            PQexecPrepared(handle, name, count, values, lengths, formats, 1)
        }
        guard let result else { throw PostgresError(connection: handle, context: "statement failed") }
        let owned = PostgresResult(result)
        try check(result)
        return owned
    }

    private func preparedName(for key: PreparedKey) throws(PostgresError) -> String {
        if let name = preparedNames[key] { return name }
        let name = "loom_\(preparedNames.count + 1)"
        let result = key.types.withUnsafeBufferPointer { types in
            PQprepare(handle, name, key.sql, Int32(types.count), types.baseAddress)
        }
        guard let result else { throw PostgresError(connection: handle, context: "prepare failed") }
        defer { PQclear(result) }
        try check(result)
        preparedNames[key] = name
        return name
    }

    private func check(_ result: OpaquePointer) throws(PostgresError) {
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return
        default:
            var error = PostgresError(result: result)
            // A statement that failed because the connection broke is a connection failure,
            // whatever the result says (often no SQLSTATE at all).
            if !isHealthy { error.kind = .connection }
            throw error
        }
    }
}

/// Parameters flattened into one buffer, in the shape PQexecPrepared takes.
struct ParameterBindings {
    var types: [UInt32] = []
    private var storage: [UInt8] = []
    private var ranges: [(start: Int, length: Int32)] = []

    init(_ parameters: [any PostgresEncodable]) {
        types.reserveCapacity(parameters.count)
        ranges.reserveCapacity(parameters.count)
        for parameter in parameters {
            types.append(type(of: parameter).postgresType.rawValue)
            if parameter.isPostgresNull {
                ranges.append((storage.count, -1))
                continue
            }
            let start = storage.count
            parameter.encode(into: &storage)
            ranges.append((start, Int32(storage.count - start)))
        }
    }

    func withLibpqArguments<Result>(
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> Result
    ) -> Result {
        storage.withUnsafeBytes { bytes in
            // A zero-length value still needs a non-NULL pointer, or libpq reads it as NULL.
            let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            let values: [UnsafePointer<CChar>?] = ranges.map { range in
                range.length < 0 ? nil : (base + range.start).assumingMemoryBound(to: CChar.self)
            }
            let lengths = ranges.map { max($0.length, 0) }
            let formats = [Int32](repeating: 1, count: ranges.count)
            return body(Int32(ranges.count), values, lengths, formats)
        }
    }
}
