import Foundation

/// Applies the numbered SQL files in `Migrations/` (shipped as package resources) in order,
/// each in its own transaction, and records them in `schema_migrations`.
///
/// A session advisory lock serialises migrators: two coordinators starting together apply
/// each migration once, and the second finds nothing left to do.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public var version: Int
        public var name: String
        public var sql: String
    }

    /// pg_advisory_lock key: "loom" in ASCII, so other tools' locks do not collide with it.
    static let advisoryLockKey: Int64 = 0x6C6F_6F6D

    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The migrations shipped with Loom.
    public static func bundled() throws -> Migrator {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw PostgresError(kind: .usage, message: "the Migrations resource folder is missing from the LoomStore bundle")
        }
        return Migrator(migrations: try load(folder: folder))
    }

    /// Reads `NNNN_name.sql` files; anything else in the folder is an error, not ignored.
    static func load(folder: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        var seen: Set<Int> = []
        return try names.map { file in
            guard file.hasSuffix(".sql"), let underscore = file.firstIndex(of: "_"),
                let version = Int(file[..<underscore])
            else {
                throw PostgresError(kind: .usage, message: "migration file \(file) is not named NNNN_name.sql")
            }
            guard seen.insert(version).inserted else {
                throw PostgresError(kind: .usage, message: "two migrations have version \(version)")
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let name = String(file[file.index(after: underscore)...].dropLast(4))
            return Migration(version: version, name: name, sql: sql)
        }
    }

    /// Applies what is missing and returns the versions it applied (empty when up to date).
    @discardableResult
    public func migrate(_ pool: PostgresPool) async throws -> [Int] {
        let migrations = self.migrations
        return try await pool.withConnection { connection in
            try Self.migrate(connection, migrations)
        }
    }

    static func migrate(_ connection: PostgresConnection, _ migrations: [Migration]) throws -> [Int] {
        try connection.query("SELECT pg_advisory_lock($1)", [advisoryLockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [advisoryLockKey]) }

        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        let applied = Set(try connection.query("SELECT version FROM schema_migrations").map { try $0.decode(0, as: Int32.self) })
        var newlyApplied: [Int] = []
        for migration in migrations where !applied.contains(Int32(migration.version)) {
            do {
                try PostgresPool.runTransaction(on: connection, isolation: .readCommitted, retries: 0) { connection in
                    try connection.execute(migration.sql)
                    try connection.query(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        [Int32(migration.version), migration.name]
                    )
                }
            } catch var error as PostgresError {
                error.message = "migration \(migration.version) (\(migration.name)) failed: \(error.message)"
                throw error
            }
            newlyApplied.append(migration.version)
        }
        return newlyApplied
    }
}
