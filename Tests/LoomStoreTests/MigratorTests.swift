import Foundation
import Testing

@testable import LoomStore

@Suite("Migrations")
struct MigratorTests {
    @Test("the bundled migrations are numbered files, in order")
    func bundledMigrations() throws {
        let migrator = try Migrator.bundled()
        #expect(!migrator.migrations.isEmpty)
        #expect(migrator.migrations.map(\.version) == migrator.migrations.map(\.version).sorted())
        #expect(migrator.migrations.first?.version == 1)
    }

    @Test("two migrators at once apply each migration exactly once; a re-run applies nothing")
    func concurrentMigrators() async throws {
        let url = try TestDatabase.makeEmpty()
        let pools = (0..<2).map { _ in PostgresPool(.init(url: url, size: 1)) }
        let migrator = try Migrator.bundled()
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for pool in pools {
                group.addTask { try await migrator.migrate(pool) }
            }
            return try await group.reduce(into: [[Int]]()) { $0.append($1) }
        }
        let all = migrator.migrations.map(\.version)
        #expect(applied.sorted { $0.count < $1.count } == [[], all])

        #expect(try await migrator.migrate(pools[0]) == [])
        let recorded = try await pools[0].withConnection { connection in
            try connection.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode(0, as: Int32.self) }
        }
        #expect(recorded.map(Int.init) == all)
        for pool in pools { await pool.close() }
    }

    @Test("migration 9 moves a live database's waiting and running jobs into job_queue and job_running")
    func queueTablesFromExistingJobs() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.makeEmpty(), size: 2))
        let all = try Migrator.bundled()
        #expect(try await Migrator(migrations: all.migrations.filter { $0.version < 9 }).migrate(pool).last == 8)
        let user = try await makeUser(pool)
        let (pending, fresh, retry, running, finished, owner) = (UUID(), UUID(), UUID(), UUID(), UUID(), UUID())
        try await pool.withConnection { connection in
            _ = try connection.query(
                """
                INSERT INTO jobs (id, user_id, kind, status, run_at, attempt, credit_estimate, lease_owner, lease_token, lease_expires_at)
                VALUES ($1, $6, 'bench', 'pending', now() + interval '1 hour', 0, 3, NULL, NULL, NULL),
                       ($2, $6, 'bench', 'queued', now() - interval '1 second', 0, 3, NULL, NULL, NULL),
                       ($3, $6, 'bench', 'queued', now() - interval '1 second', 1, 5, NULL, NULL, NULL),
                       ($4, $6, 'bench', 'running', now() - interval '1 second', 1, 7, $7, 1, now() + interval '1 minute'),
                       ($5, $6, 'bench', 'completed', now() - interval '1 second', 1, 0, $7, 2, NULL)
                """, [pending, fresh, retry, running, finished, user.id, owner])
        }
        #expect(try await all.migrate(pool) == [9])
        let (queued, held) = try await pool.withConnection { connection in
            let queued = try connection.query("SELECT job_id, pending, reserved FROM job_queue").map { row throws(PostgresError) in
                (try row.decode(0, as: UUID.self), try row.decode(1, as: Bool.self), try row.decode(2, as: Int64.self))
            }
            let held = try connection.query("SELECT job_id, owner, reserved FROM job_running").map { row throws(PostgresError) in
                (try row.decode(0, as: UUID.self), try row.decode(1, as: UUID.self), try row.decode(2, as: Int64.self))
            }
            return (queued, held)
        }
        #expect(Dictionary(uniqueKeysWithValues: queued.map { ($0.0, "\($0.1) \($0.2)") })
            == [pending: "true 0", fresh: "false 0", retry: "false 5"])
        #expect(held.count == 1 && held.first?.0 == running && held.first?.1 == owner && held.first?.2 == 7)
        // The queue works on them: the two due queued jobs are leased, the pending one waits,
        // and the running one completes under its old token.
        let queue = JobQueue(pool: pool)
        #expect(Set(try await queue.lease(worker: UUID(), limit: 5).map(\.jobID)) == [fresh, retry])
        #expect(try await queue.complete(jobID: running, token: 1, cost: 0) == .applied)
        await pool.close()
    }

    @Test("a failing migration rolls back entirely and names itself")
    func failingMigration() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.makeEmpty(), size: 1))
        let migrator = Migrator(migrations: [
            .init(version: 1, name: "good", sql: "CREATE TABLE a (n int)"),
            .init(version: 2, name: "bad", sql: "CREATE TABLE b (n int); SELECT no_such_function()"),
        ])
        let error = await #expect(throws: PostgresError.self) { try await migrator.migrate(pool) }
        #expect(error?.message.contains("migration 2 (bad)") == true)
        let tables = try await pool.withConnection { connection in
            try connection.query("SELECT to_regclass('a') IS NOT NULL, to_regclass('b') IS NOT NULL, (SELECT count(*) FROM schema_migrations)")
                .first { row throws(PostgresError) in (try row.decode(0, as: Bool.self), try row.decode(1, as: Bool.self), try row.decode(2, as: Int.self)) }
        }
        #expect(tables?.0 == true)
        #expect(tables?.1 == false)
        #expect(tables?.2 == 1)
        await pool.close()
    }
}
