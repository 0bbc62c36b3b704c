import Foundation
import LoomStore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What went wrong under load, reproduced with real processes: a writer backlog longer
/// than the lease TTL, heartbeats left unanswered for a TTL, and an operator's drain from
/// the admin API. The slow parts are made slow by holding a row lock from the test, so the
/// outcome never depends on how loaded the machine is; no assertion is about timing.
@Suite("cluster under load, with real processes", .serialized)
struct LoadProcessTests {
    /// Holds a row lock (`sql` with `parameters`, ending FOR UPDATE) on a connection of its
    /// own for `duration`, as a slow write would. Returns when the lock is taken.
    static func holdLock(_ url: String, _ sql: String, _ parameters: [any PostgresEncodable], for duration: Duration) async throws -> Task<Void, any Error> {
        let pool = PostgresPool(.init(url: url, size: 1))
        let taken = AsyncStream<Void>.makeStream()
        let holder = Task {
            defer { Task { await pool.close() } }
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            try await pool.transaction { connection in
                _ = try connection.query(sql, parameters)
                taken.continuation.yield()
                Thread.sleep(forTimeInterval: seconds)
            }
        }
        for await _ in taken.stream { break }
        return holder
    }

    @Test("completions queued behind a blocked write keep their leases: no job runs twice")
    func backlogKeepsLeases() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1", slots: 8)
        try cluster.startWorker("w2", slots: 8)
        let user = try await store.user()
        // Long enough that a loaded machine still sees it running before it ends; it ends
        // while the lock below is held, so its completion queues behind it.
        let blocker = try await store.submitBench(user: user, sleepMs: 3_000, cost: 1, estimate: 1)
        try await eventually("the blocker runs", cluster: cluster) { try await store.status(blocker) == .running }
        // The blocker's completion will wait for this lock, and every write queued behind it
        // waits too, for more than two lease TTLs (the lock lasts four, the blocker ends within 1.5).
        let lock = try await Self.holdLock(url, "SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", [blocker], for: .seconds(4 * cluster.leaseTTL))
        var jobs: [UUID] = []
        for index in 0..<120 { jobs.append(try await store.submitBench(user: user, sleepMs: index % 3, cost: 1, estimate: 1)) }
        try await lock.value
        try await eventually("every job completed", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'completed'") == jobs.count + 1
        }
        #expect(try await store.count("SELECT count(*) FROM jobs WHERE attempt <> 1") == 0)
        #expect(try await store.count("SELECT count(*) FROM job_events WHERE type = 'lease_expired'") == 0)
        #expect(try await store.count("SELECT count(*) FROM credit_ledger WHERE kind = 'charge'") == jobs.count + 1)
        await cluster.stopAll()
    }

    @Test("a worker that dropped its jobs without a word (heartbeats unanswered for a TTL) is given jobs again")
    func silentDropDoesNotLeakSlots() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        let worker = try cluster.startWorker("w1", slots: 2)
        let user = try await store.user()
        // Tries to spare: while the lock is held, every lease the worker takes is dropped again.
        var long: [UUID] = []
        for _ in 0..<2 {
            let id = UUID()
            try await store.queue.submit(JobSubmission(id: id, userID: user, kind: .bench, maxTries: 20, spec: JSONB(json: #"{"sleepMs":600000}"#)))
            long.append(id)
        }
        try await eventually("both run", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'running'") == 2
        }
        // Heartbeats cannot be answered while the worker's row is locked: after a TTL the
        // worker stops both jobs and says nothing more about them.
        let lock = try await Self.holdLock(url, "SELECT 1 FROM workers WHERE name = $1 FOR UPDATE", ["w1"], for: .seconds(3 * cluster.leaseTTL))
        try await eventually("the worker gives its jobs up", cluster: cluster) { worker.log.contains("no heartbeat answered for a lease TTL") }
        try await lock.value
        // Their leases expire and they are queued again; the worker's slots must be free.
        try await eventually("both run again on the same worker", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'running' AND attempt >= 2 AND id = ANY ($1)", [long]) == 2
        }
        await cluster.stopAll()
    }

    @Test("an operator's drain from the admin API stops leases to that worker, across a reconnection; undrain gives it jobs again")
    func adminDrainAndUndrain() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1", slots: 4)
        try cluster.startWorker("w2", slots: 4)
        try await eventually("both workers registered", cluster: cluster) { try await store.count("SELECT count(*) FROM workers") == 2 }
        // The host is the worker's address, as an operator reads it.
        #expect(try await store.count("SELECT count(*) FROM workers WHERE host = '127.0.0.1'") == 2)
        let drained: UUID = try await store.pool.withConnection { connection in
            try connection.query("SELECT instance_id FROM workers WHERE name = 'w1'")[0].decode(0, as: UUID.self)
        }
        let workers = Workers(pool: store.pool)
        #expect(try await workers.setStateAndAnnounce(drained, .draining))
        try await eventually("the coordinator drains w1", cluster: cluster) {
            cluster.coordinator!.log.contains("worker drained by an operator")
        }
        // The same worker processes connect again to a new coordinator: w1 stays drained.
        let old = try #require(cluster.coordinator)
        old.signal(SIGKILL)
        _ = await old.wait(timeout: .seconds(10))
        try cluster.startCoordinator()
        try await eventually("both workers joined the new coordinator, w1 drained", timeout: .seconds(30), cluster: cluster) {
            let log = cluster.coordinator!.log
            return log.components(separatedBy: "worker joined").count - 1 == 2 && log.contains("worker drained by an operator")
        }
        let user = try await store.user()
        var jobs: [UUID] = []
        for _ in 0..<8 { jobs.append(try await store.submitBench(user: user, sleepMs: 600_000)) }
        try await eventually("w2 runs four", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs j JOIN workers w ON w.instance_id = j.lease_owner WHERE j.status = 'running' AND w.name = 'w2'") == 4
        }
        #expect(try await store.count("SELECT count(*) FROM jobs WHERE lease_owner = $1", [drained]) == 0)
        #expect(try await store.count("SELECT count(*) FROM jobs WHERE status = 'queued'") == 4)
        #expect(try await workers.setStateAndAnnounce(drained, .active))
        try await eventually("w1 runs the other four", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'running' AND lease_owner = $1", [drained]) == 4
        }
        // A worker whose process ends is marked gone.
        cluster.workers["w2"]!.signal(SIGKILL)
        try await eventually("w2 is gone", cluster: cluster) {
            try await store.count("SELECT count(*) FROM workers WHERE name = 'w2' AND state = 'gone'") == 1
        }
        #expect(try await store.count("SELECT count(*) FROM workers WHERE name = 'w1' AND state = 'active'") == 1)
        await cluster.stopAll()
    }
}
