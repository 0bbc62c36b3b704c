import Foundation
import Testing

@testable import LoomStore

@Suite("PostgreSQL client: types, pool, transactions")
struct PostgresClientTests {
    @Test("every column type round-trips in binary format")
    func typesRoundTrip() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.url, size: 1))
        let id = UUID()
        let when = Date(timeIntervalSince1970: 1_764_000_000.123456)
        let blob = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let json = JSONB(json: #"{"a": [1, 2, {"b": "ü"}]}"#)
        let row = try await pool.withConnection { connection in
            let row = try connection.query(
                "SELECT $1::uuid, $2::text, $3::int, $4::bigint, $5::float8, $6::bool, $7::timestamptz, $8::jsonb, $9::bytea, $10::text, length($9::bytea)",
                [id, "héllo", Int32(-7), Int64.max, 2.5e-300, true, when, json, blob, String?.none]
            )[0]
            return (
                try row.decode(0, as: UUID.self), try row.decode(1, as: String.self), try row.decode(2, as: Int32.self),
                try row.decode(3, as: Int64.self), try row.decode(4, as: Double.self), try row.decode(5, as: Bool.self),
                try row.decode(6, as: Date.self), try row.decode(7, as: JSONB.self), try row.decode(8, as: Data.self),
                try row.decode(9, as: String?.self), try row.decode(10, as: Int32.self)
            )
        }
        #expect(row.0 == id)
        #expect(row.1 == "héllo")
        #expect(row.2 == -7)
        #expect(row.3 == Int64.max)
        #expect(row.4 == 2.5e-300)
        #expect(row.5 == true)
        #expect(abs(row.6.timeIntervalSince(when)) < 0.000_001)
        #expect(row.7 == JSONB(json: #"{"a": [1, 2, {"b": "ü"}]}"#))
        #expect(row.8 == blob)
        #expect(row.9 == nil)
        // The 300 kB bytea travelled as raw bytes, not as 600 kB of hex text.
        #expect(row.10 == 300_000)
        await pool.close()
    }

    @Test("arrays, with NULL elements, round-trip")
    func arraysRoundTrip() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.url, size: 1))
        let ids = [UUID(), UUID()]
        let values = try await pool.withConnection { connection in
            let row = try connection.query(
                "SELECT $1::uuid[], $2::bigint[], $3::text[], $4::text[], cardinality($1::uuid[])",
                [ids, [Int64(1), -2, 3], ["a", "b"], [String?.some("x"), nil]]
            )[0]
            return (
                try row.decode(0, as: [UUID].self), try row.decode(1, as: [Int64].self),
                try row.decode(2, as: [String].self), try row.decode(3, as: [String?].self), try row.decode(4, as: Int32.self)
            )
        }
        #expect(values.0 == ids)
        #expect(values.1 == [1, -2, 3])
        #expect(values.2 == ["a", "b"])
        #expect(values.3 == ["x", nil])
        #expect(values.4 == 2)
        await pool.close()
    }

    @Test("decoding the wrong type or a NULL names the column")
    func decodingErrors() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.url, size: 1))
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                try connection.query("SELECT NULL::text AS missing")[0].decode(0, as: String.self)
            }
        }
        #expect(error?.kind == .decoding)
        #expect(error?.message.contains("missing") == true)
        await pool.close()
    }

    @Test("libpq runs on the pool's own threads, never on Swift's cooperative pool")
    func runsOnDedicatedThreads() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.url, size: 2))
        let placements = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await pool.withConnection { _ in pool.isOnConnectionThread }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(placements == Array(repeating: true, count: 6))
        #expect(!pool.isOnConnectionThread)
        await pool.close()
    }

    @Test("the pool never opens more connections than its size; callers beyond it wait their turn")
    func poolIsBounded() async throws {
        let url = try TestDatabase.url
        let name = "loom-bounded-\(UUID().uuidString.prefix(8))"
        let pool = PostgresPool(.init(url: url, size: 3, applicationName: name))
        let admin = try PostgresConnection(url)
        let inUse = Counter()
        let mostSessions = try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await pool.withConnection { connection in
                        inUse.add()
                        try connection.query("SELECT pg_sleep(0.02)")
                        inUse.add(-1)
                    }
                }
            }
            // Look at the server's side while the twelve callers share the three connections.
            var most = 0
            for _ in 0..<5 {
                let sessions = try admin.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [name]
                )[0].decode(0, as: Int.self)
                most = max(most, sessions)
                try await Task.sleep(for: .milliseconds(10))
            }
            try await group.waitForAll()
            return most
        }
        // How many run at once depends on scheduling; more than the size never may.
        #expect(inUse.peak <= 3)
        #expect(inUse.peak >= 1)
        #expect(mostSessions <= 3)
        #expect(inUse.value == 0)
        await pool.close()
    }

    @Test("close() and dropping a pool both end its server connections")
    func poolReleasesConnections() async throws {
        let url = try TestDatabase.url
        let admin = try PostgresConnection(url)
        func sessions(_ name: String) throws -> Int {
            try admin.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [name])[0].decode(0, as: Int.self)
        }
        func waitForNoSessions(_ name: String) async throws -> Int {
            for _ in 0..<200 where try sessions(name) > 0 { try await Task.sleep(for: .milliseconds(10)) }
            return try sessions(name)
        }
        let closedName = "loom-close-\(UUID().uuidString.prefix(8))"
        let closed = PostgresPool(.init(url: url, size: 2, applicationName: closedName))
        try await closed.withConnection { _ in }
        #expect(try sessions(closedName) == 1)
        await closed.close()
        #expect(try await waitForNoSessions(closedName) == 0)
        await #expect(throws: PostgresError.self) { try await closed.withConnection { _ in } }

        let droppedName = "loom-drop-\(UUID().uuidString.prefix(8))"
        var dropped: PostgresPool? = PostgresPool(.init(url: url, size: 2, applicationName: droppedName))
        try await dropped?.withConnection { _ in }
        #expect(try sessions(droppedName) == 1)
        dropped = nil
        #expect(try await waitForNoSessions(droppedName) == 0)
    }

    @Test("a transaction that hits a serialization failure runs again and commits once")
    func serializationFailureRetried() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.makeEmpty(), size: 1))
        try await pool.withConnection { try $0.execute("CREATE TABLE t (n int)") }
        let attempts = Counter()
        try await pool.transaction { connection in
            try connection.query("INSERT INTO t VALUES (1)")
            if attempts.add() < 3 {
                try connection.execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$")
            }
        }
        #expect(attempts.value == 3)
        let rows = try await pool.withConnection { try $0.query("SELECT count(*) FROM t")[0].decode(0, as: Int.self) }
        #expect(rows == 1)
        await pool.close()
    }

    @Test("a real deadlock between two transactions is retried until both commit")
    func deadlockRetried() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.makeEmpty(), size: 2))
        try await pool.withConnection { connection in
            try connection.execute("CREATE TABLE accounts (id int PRIMARY KEY, n int); INSERT INTO accounts VALUES (1, 0), (2, 0)")
        }
        let attempts = Counter()
        // Each locks one row, waits until the other holds its row too, then takes the other's.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (first, second) in [(1, 2), (2, 1)] {
                group.addTask {
                    try await pool.transaction { connection in
                        let attempt = attempts.add()
                        try connection.query("UPDATE accounts SET n = n + 1 WHERE id = $1", [Int32(first)])
                        if attempt <= 2 { try connection.query("SELECT pg_sleep(0.2)") }
                        try connection.query("UPDATE accounts SET n = n + 1 WHERE id = $1", [Int32(second)])
                    }
                }
            }
            try await group.waitForAll()
        }
        // At least one retry. The retry may deadlock again: it starts at once, and can lock its
        // first row before the survivor, woken by the abort, takes that row.
        #expect(attempts.value >= 3)
        let total = try await pool.withConnection { try $0.query("SELECT sum(n)::bigint FROM accounts")[0].decode(0, as: Int64.self) }
        #expect(total == 4)
        await pool.close()
    }

    @Test("other errors roll back and carry SQLSTATE, message and detail")
    func errorsRollBack() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.makeEmpty(), size: 1))
        try await pool.withConnection { try $0.execute("CREATE TABLE u (id int PRIMARY KEY)") }
        let error = await #expect(throws: PostgresError.self) {
            try await pool.transaction { connection in
                try connection.query("INSERT INTO u VALUES (1)")
                try connection.query("INSERT INTO u VALUES (1)")
            }
        }
        #expect(error?.sqlState == "23505")
        #expect(error?.detail == "Key (id)=(1) already exists.")
        let rows = try await pool.withConnection { try $0.query("SELECT count(*) FROM u")[0].decode(0, as: Int.self) }
        #expect(rows == 0)
        await pool.close()
    }

    @Test("a connection whose backend was terminated is replaced on next use")
    func brokenConnectionReplaced() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.url, size: 1))
        let pid = try await pool.withConnection { $0.backendPID }
        let admin = try PostgresConnection(try TestDatabase.url)
        try admin.query("SELECT pg_terminate_backend($1)", [pid])
        try await Task.sleep(for: .milliseconds(50))
        let failure = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { _ = try $0.query("SELECT 1") }
        }
        #expect(failure?.isConnectionFailure == true)
        let newPID = try await pool.withConnection { $0.backendPID }
        #expect(newPID != pid)
        await pool.close()
    }
}
