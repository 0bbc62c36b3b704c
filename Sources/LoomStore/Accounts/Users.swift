import Foundation

public struct User: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var isAdmin: Bool
    public var credits: Int64
}

public struct LedgerEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, PostgresTextEnum {
        case reserve, charge, refund, grant
    }

    public var jobID: UUID?
    public var kind: Kind
    /// The change to the balance: negative for a reservation, positive for a refund.
    public var amount: Int64
    public var note: String?
    public var createdAt: Date
}

/// Users, their API tokens and their credits. Tokens are stored only as SHA-256 hashes
/// (computed by PostgreSQL from the bound parameter).
public struct Users: Sendable {
    enum SQL {
        static let create = """
            INSERT INTO users (id, name, token_hash, is_admin) VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), $4)
            RETURNING id
            """
        static let byToken = """
            SELECT id, name, is_admin, credits FROM users WHERE token_hash = sha256(convert_to($1, 'UTF8'))
            """
        static let byID = "SELECT id, name, is_admin, credits FROM users WHERE id = $1"
        /// Adds $2 credits (negative to take some away, never below zero) to user $1.
        static let grant = """
            WITH entry AS (
                INSERT INTO credit_ledger (user_id, kind, amount, note) VALUES ($1, 'grant', $2, $3)
                RETURNING user_id, amount
            )
            UPDATE users u SET credits = u.credits + entry.amount FROM entry WHERE u.id = entry.user_id
            RETURNING u.credits
            """
        static let ledger = """
            SELECT job_id, kind, amount, note, created_at FROM credit_ledger WHERE user_id = $1 ORDER BY id
            """
    }

    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Creates a user with a fresh random API token; returns the user and the token, which
    /// is shown once and never stored.
    public func create(name: String, isAdmin: Bool = false, credits: Int64 = 0) async throws -> (User, token: String) {
        let id = UUID()
        let token = Self.makeToken()
        try await pool.transaction { connection in
            try connection.query(SQL.create, [id, name, token, isAdmin])
            if credits != 0 {
                try connection.query(SQL.grant, [id, credits, "initial credits"])
            }
        }
        return (User(id: id, name: name, isAdmin: isAdmin, credits: credits), token)
    }

    public func authenticate(token: String) async throws -> User? {
        try await pool.withConnection { connection in
            try connection.query(SQL.byToken, [token]).first(Self.decodeUser)
        }
    }

    public func user(_ id: UUID) async throws -> User? {
        try await pool.withConnection { connection in
            try connection.query(SQL.byID, [id]).first(Self.decodeUser)
        }
    }

    /// Adds (or, when negative, takes away) credits; returns the new balance. Taking more
    /// than the balance fails with the server's check violation and changes nothing.
    @discardableResult
    public func grant(_ user: UUID, amount: Int64, note: String? = nil) async throws -> Int64 {
        let balance = try await pool.withConnection { connection in
            try connection.query(SQL.grant, [user, amount, note]).first { row throws(PostgresError) in
                try row.decode(0, as: Int64.self)
            }
        }
        guard let balance else { throw QueueError.unknownUser(user) }
        return balance
    }

    public func ledger(of user: UUID) async throws -> [LedgerEntry] {
        try await pool.withConnection { connection in
            try connection.query(SQL.ledger, [user]).map { row throws(PostgresError) in
                LedgerEntry(
                    jobID: try row.decode(0),
                    kind: try row.decode(1),
                    amount: try row.decode(2),
                    note: try row.decode(3),
                    createdAt: try row.decode(4)
                )
            }
        }
    }

    private static func decodeUser(_ row: PostgresRow) throws(PostgresError) -> User {
        User(id: try row.decode(0), name: try row.decode(1), isAdmin: try row.decode(2), credits: try row.decode(3))
    }

    /// 32 random bytes as hex, from the system's cryptographic generator.
    static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
