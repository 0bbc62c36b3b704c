import Foundation

public struct User: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var isAdmin: Bool
    public var credits: Int64
}

/// One of a user's API tokens (never the token itself, which is stored only as a hash).
public struct APIToken: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?
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
        static let create = "INSERT INTO users (id, name, is_admin) VALUES ($1, $2, $3) RETURNING id"
        static let createToken = """
            INSERT INTO api_tokens (id, user_id, name, token_hash) VALUES ($1, $2, $3, sha256(convert_to($4, 'UTF8')))
            """
        static let byToken = """
            SELECT u.id, u.name, u.is_admin, u.credits FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = sha256(convert_to($1, 'UTF8')) AND t.revoked_at IS NULL
            """
        static let revokeToken = """
            UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING user_id
            """
        static let tokens = """
            SELECT id, user_id, name, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id
            """
        static let list = "SELECT id, name, is_admin, credits FROM users ORDER BY name LIMIT $1 OFFSET $2"
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
            try connection.query(SQL.create, [id, name, isAdmin])
            try connection.query(SQL.createToken, [UUID(), id, "initial", token])
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

    /// A further token for `user` (a machine, a script); shown once, stored hashed.
    public func createToken(for user: UUID, name: String) async throws -> (APIToken, token: String) {
        let id = UUID()
        let token = Self.makeToken()
        try await pool.withConnection { connection in
            _ = try connection.query(SQL.createToken, [id, user, name, token])
        }
        return (APIToken(id: id, userID: user, name: name, createdAt: Date(), revokedAt: nil), token)
    }

    /// Revokes a token: it authenticates nobody from now on. Returns false for an unknown or
    /// already revoked token, or one of another user when `owner` is given.
    public func revokeToken(_ id: UUID, owner: UUID? = nil) async throws -> Bool {
        if let owner, try await tokens(of: owner).contains(where: { $0.id == id }) == false { return false }
        return try await pool.withConnection { connection in
            try !connection.query(SQL.revokeToken, [id]).isEmpty
        }
    }

    public func tokens(of user: UUID) async throws -> [APIToken] {
        try await pool.withConnection { connection in
            try connection.query(SQL.tokens, [user]).map { row throws(PostgresError) in
                APIToken(id: try row.decode(0), userID: try row.decode(1), name: try row.decode(2), createdAt: try row.decode(3), revokedAt: try row.decode(4))
            }
        }
    }

    public func list(limit: Int, offset: Int) async throws -> [User] {
        try await pool.withConnection { connection in
            try connection.query(SQL.list, [Int64(limit), Int64(offset)]).map(Self.decodeUser)
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
