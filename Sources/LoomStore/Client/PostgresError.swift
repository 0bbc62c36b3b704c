import CPostgres

/// An error from PostgreSQL or from libpq, with the server's SQLSTATE when there is one.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made or was lost.
        case connection
        /// The server rejected a statement; `sqlState` says why.
        case server
        /// A result did not have the shape the caller decoded.
        case decoding
        /// A connection string that libpq could not parse, or a pool that was closed.
        case usage
    }

    public var kind: Kind
    /// Five-character SQLSTATE code (for example "40001"), when the server sent one.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    public var description: String {
        var text = sqlState.map { "[\($0)] \(message)" } ?? message
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }

    /// Serialization failures and deadlocks: the transaction can be run again as a whole.
    public var isRetryableTransactionFailure: Bool {
        sqlState == "40001" || sqlState == "40P01"
    }

    /// The server is shutting down or the connection broke: the statement never ran or its
    /// outcome is unknown, and the connection must be replaced.
    public var isConnectionFailure: Bool {
        kind == .connection || sqlState?.hasPrefix("08") == true || sqlState == "57P01"
            || sqlState == "57P02" || sqlState == "57P03"
    }

    /// Builds the error a failed PGresult describes.
    init(result: OpaquePointer) {
        func field(_ code: Character) -> String? {
            guard let pointer = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: pointer)
        }
        let primary = field("M") ?? String(cString: PQresultErrorMessage(result))
        self.init(
            kind: .server,
            sqlState: field("C"),
            message: primary.trimmingTrailingNewlines(),
            detail: field("D"),
            hint: field("H")
        )
    }

    /// Builds the error libpq reports on a connection (connect failures, broken sockets).
    init(connection: OpaquePointer?, context: String) {
        let reason = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "out of memory"
        self.init(kind: .connection, message: "\(context): \(reason.trimmingTrailingNewlines())")
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while text.last?.isNewline == true { text.removeLast() }
        return String(text)
    }
}
