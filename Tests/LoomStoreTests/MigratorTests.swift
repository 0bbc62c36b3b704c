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
