import Foundation
import Synchronization
import Testing

@testable import LoomStore

/// The throwaway PostgreSQL server that scripts/test starts (scripts/pg) and names in
/// DATABASE_URL. Tests that need it fail with a clear message when it is missing, rather
/// than pass without having run.
enum TestDatabase {
    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
                throw MissingDatabase()
            }
            return url
        }
    }

    struct MissingDatabase: Error, CustomStringConvertible {
        var description: String {
            "DATABASE_URL is not set: run scripts/test, or `scripts/pg start DIR` and export the URL it prints"
        }
    }

    /// A new, empty database on the test server; every test that writes gets its own, so
    /// tests run in parallel without seeing each other.
    static func makeEmpty() throws -> String {
        let base = try url
        let name = "loom_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresConnection(base)
        // CREATE DATABASE takes no parameters; the name is ours and made of [a-z0-9_].
        try admin.execute("CREATE DATABASE \(name)")
        return replacingDatabase(in: base, with: name)
    }

    /// A new database with Loom's schema, and a pool on it.
    static func makeMigrated(poolSize: Int = 4) async throws -> PostgresPool {
        let pool = PostgresPool(.init(url: try makeEmpty(), size: poolSize))
        try await Migrator.bundled().migrate(pool)
        return pool
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }
}

/// A user with credits, for queue tests.
func makeUser(_ pool: PostgresPool, credits: Int64 = 1_000_000) async throws -> User {
    try await Users(pool: pool).create(name: "user-\(UUID().uuidString.prefix(8))", credits: credits).0
}

/// Inserts `count` queued jobs straight into the table (setup for tests and benchmarks, not
/// an API: jobs come in through JobQueue.submit).
func insertQueuedJobs(_ pool: PostgresPool, user: UUID, count: Int, creditEstimate: Int64 = 0) async throws {
    try await pool.withConnection { connection in
        _ = try connection.query(
            """
            INSERT INTO jobs (id, user_id, kind, status, credit_estimate, run_at)
            SELECT gen_random_uuid(), $1, 'workflow', 'queued', $3, now() - interval '1 second'
            FROM generate_series(1, $2)
            """,
            [user, count, creditEstimate]
        )
    }
}

/// A counter that closures on other threads can share.
final class Counter: Sendable {
    private let state = Mutex((value: 0, peak: 0))

    /// Adds `delta` and returns the new value; remembers the highest value seen.
    @discardableResult
    func add(_ delta: Int = 1) -> Int {
        state.withLock { state in
            state.value += delta
            state.peak = max(state.peak, state.value)
            return state.value
        }
    }

    var value: Int { state.withLock { $0.value } }
    var peak: Int { state.withLock { $0.peak } }
}
