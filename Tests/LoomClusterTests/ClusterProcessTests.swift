import Foundation
import LoomColumnar
import LoomStore
import LoomWire
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One coordinator and two or three workers, each its own `loom` process, on a real
/// PostgreSQL. The workload is the bench job kind (sleep, node events), a test workload.
/// Waits are bounded to avoid hanging; no assertion is about timing.
@Suite("cluster with real processes", .serialized)
struct ClusterProcessTests {
    @Test("bench jobs run on two workers; each completes once and is charged once")
    func jobsComplete() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1")
        try cluster.startWorker("w2")
        // Both connected first: 40 jobs of a few ms each can all finish on a worker that
        // connected while the other was still starting.
        try await eventually("both workers registered", cluster: cluster) { try await store.count("SELECT count(*) FROM workers") == 2 }
        let user = try await store.user()
        var jobs: [UUID] = []
        for index in 0..<40 { jobs.append(try await store.submitBench(user: user, sleepMs: index % 5, nodes: 2, cost: 3, estimate: 5)) }
        try await eventually("all jobs completed", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'completed'") == jobs.count
        }
        #expect(try await store.count("SELECT count(*) FROM credit_ledger WHERE kind = 'charge'") == jobs.count)
        #expect(try await store.count("SELECT count(*) FROM jobs WHERE credit_cost = 3 AND attempt = 1") == jobs.count)
        // Node events in the seed's vocabulary, numbered without gaps.
        let events = try await store.queue.events(of: jobs[0])
        #expect(events.map(\.type) == ["job_started", "node_status", "node_status", "node_status", "node_status", "job_completed"])
        #expect(events.map(\.seq) == Array(1...Int64(events.count)))
        #expect(try await store.count("SELECT count(DISTINCT lease_owner) FROM jobs") == 2)
        await cluster.stopAll()
    }

    @Test("kill -9 a worker mid-job: the job completes elsewhere, one result, charged once")
    func killWorker() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1", slots: 1)
        try cluster.startWorker("w2", slots: 1)
        let user = try await store.user(credits: 100)
        let job = try await store.submitBench(user: user, sleepMs: 3_000, nodes: 3, cost: 7, estimate: 10)
        var first: String?
        // Running on the worker, not only leased: its first node event is stored (after the
        // LeaseAccept, on the same stream). A worker killed before it accepted the grant
        // would have it released at once, without using up a try.
        try await eventually("the job runs", cluster: cluster) {
            first = try await store.owner(of: job)
            let status = try await store.status(job)
            let started = try await store.count("SELECT count(*) FROM job_events WHERE job_id = $1 AND type = 'node_status'", [job])
            return status == .running && first != nil && started > 0
        }
        let victim = try #require(cluster.workers[first!])
        victim.signal(SIGKILL)
        #expect(await victim.wait(timeout: .seconds(10)) == 128 + SIGKILL)
        try await eventually("the job completes on the other worker", cluster: cluster) {
            try await store.status(job) == .completed
        }
        let record = try #require(try await store.queue.job(job))
        #expect(record.attempt == 2)
        #expect(record.creditCost == 7)
        #expect(try await store.owner(of: job) != first)
        #expect(try await store.count("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND kind = 'charge'", [job]) == 1)
        #expect(try await store.count("SELECT count(*) FROM job_events WHERE job_id = $1 AND type = 'job_completed'", [job]) == 1)
        #expect(try await store.count("SELECT credits::int FROM users WHERE id = $1", [user]) == 93)
        await cluster.stopAll()
    }

    @Test("kill -9 the coordinator mid-run and restart it: nothing lost, nothing done twice")
    func killCoordinator() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url, leaseTTL: 5)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1", slots: 3)
        try cluster.startWorker("w2", slots: 3)
        let user = try await store.user()
        var jobs: [UUID] = []
        for _ in 0..<12 { jobs.append(try await store.submitBench(user: user, sleepMs: 1_500, cost: 1, estimate: 1)) }
        try await eventually("jobs run", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'running'") >= 4
        }
        let old = try #require(cluster.coordinator)
        old.signal(SIGKILL)
        _ = await old.wait(timeout: .seconds(10))
        try cluster.startCoordinator()
        try await eventually("all jobs completed after the restart", timeout: .seconds(90), cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'completed'") == jobs.count
        }
        #expect(try await store.count("SELECT count(*) FROM credit_ledger WHERE kind = 'charge'") == jobs.count)
        #expect(try await store.count("SELECT count(*) FROM job_events WHERE type = 'job_completed'") == jobs.count)
        await cluster.stopAll()
    }

    @Test("a worker cut off (stopped, not killed) beyond the TTL loses its job; its later writes are refused")
    func cutConnection() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1", slots: 1)
        try cluster.startWorker("w2", slots: 1)
        let user = try await store.user()
        let job = try await store.submitBench(user: user, sleepMs: 2_500, nodes: 5, cost: 2, estimate: 2)
        var first: String?
        try await eventually("the job runs", cluster: cluster) {
            first = try await store.owner(of: job)
            let status = try await store.status(job)
            return first != nil && status == .running
        }
        let frozen = try #require(cluster.workers[first!])
        frozen.signal(SIGSTOP)
        try await eventually("the job moves to the other worker", cluster: cluster) {
            let owner = try await store.owner(of: job)
            return owner != nil && owner != first
        }
        frozen.signal(SIGCONT)
        try await eventually("the job completes", cluster: cluster) { try await store.status(job) == .completed }
        // Give the old worker's writes time to arrive; each must be refused.
        try await Task.sleep(for: .seconds(1))
        let record = try #require(try await store.queue.job(job))
        #expect(try await store.owner(of: job) != first)
        #expect(record.attempt == 2)
        #expect(try await store.count("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND kind = 'charge'", [job]) == 1)
        #expect(try await store.count("SELECT count(*) FROM job_events WHERE job_id = $1 AND type = 'job_completed'", [job]) == 1)
        #expect(frozen.poll() == nil)
        await cluster.stopAll()
    }

    @Test("cancel a running job: the worker stops it and acknowledges")
    func cancel() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1", slots: 2)
        let user = try await store.user(credits: 50)
        let job = try await store.submitBench(user: user, sleepMs: 600_000, estimate: 20)
        try await eventually("the job runs", cluster: cluster) { try await store.status(job) == .running }
        #expect(try await store.queue.cancel(jobID: job) == .requested)
        try await eventually("the job is cancelled", cluster: cluster) { try await store.status(job) == .cancelled }
        #expect(try await store.count("SELECT credits::int FROM users WHERE id = $1", [user]) == 50)
        #expect(try await store.count("SELECT count(*) FROM job_events WHERE job_id = $1 AND type = 'job_cancelled'", [job]) == 1)
        await cluster.stopAll()
    }

    @Test("SIGTERM drains a worker: running jobs finish within the grace, the rest (grants in flight too) go back at once, exit 0")
    func drain() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        // A long TTL: a job that waited for its lease to expire would still be "running" long
        // after the waits below, and would come back with its try used up.
        let cluster = try Cluster(databaseURL: url, leaseTTL: 30)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        let draining = try cluster.startWorker("w1", slots: 2, extra: ["--drain-grace", "1.5"])
        let user = try await store.user()
        let short = try await store.submitBench(user: user, sleepMs: 300, cost: 1, estimate: 1)
        let long = try await store.submitBench(user: user, sleepMs: 600_000, cost: 1, estimate: 1)
        try await eventually("both are leased", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status IN ('running', 'completed')") == 2
        }
        // At once: "running" means the grants were pushed, so they may still be on their way
        // to the worker. The worker rejects grants that reach it while it drains, and the
        // coordinator releases those that cross its Goodbye.
        draining.signal(SIGTERM)
        #expect(await draining.wait(timeout: .seconds(30)) == 0)
        try await eventually("nothing is left running on the drained worker (well within the 30 s TTL)", timeout: .seconds(15), cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'running'") == 0
        }
        #expect(try await store.status(long) == .queued)
        // Given back, not reclaimed: no try used up, and a release on record.
        #expect(try await store.queue.job(long)?.attempt == 0)
        #expect(try await store.count("SELECT count(*) FROM job_events WHERE job_id = $1 AND type = 'job_released'", [long]) >= 1)
        try cluster.startWorker("w2", slots: 2)
        try await eventually("the long job runs on the next worker", timeout: .seconds(15), cluster: cluster) { try await store.owner(of: long) == "w2" }
        try await eventually("the short job completed (on w1 within the grace, or on w2)", timeout: .seconds(15), cluster: cluster) {
            try await store.status(short) == .completed
        }
        #expect(try await store.count("SELECT count(*) FROM job_events WHERE type = 'lease_expired'") == 0)
        // Once each: the drained worker did not connect again after its Goodbye.
        #expect(cluster.coordinator!.log.components(separatedBy: "worker joined").count - 1 == 2)
        await cluster.stopAll()
    }

    @Test("a worker with the wrong secret is refused and gets nothing")
    func wrongSecret() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        let intruder = try cluster.startWorker("intruder", secret: "not-the-cluster-secret-at-all")
        let user = try await store.user()
        let job = try await store.submitBench(user: user)
        try await eventually("the coordinator refuses the handshake", cluster: cluster) {
            cluster.coordinator!.log.contains("handshake refused") && intruder.log.contains("handshake failed")
        }
        #expect(try await store.count("SELECT count(*) FROM workers") == 0)
        #expect(try await store.status(job) == .queued)
        try cluster.startWorker("w1")
        try await eventually("a worker with the secret runs the job", cluster: cluster) { try await store.status(job) == .completed }
        await cluster.stopAll()
    }

    @Test("a malformed or oversized frame closes that connection only")
    func malformedFrame() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1")
        try await eventually("the coordinator listens", cluster: cluster) { cluster.coordinator!.log.contains("listening") }
        // Oversized: a length far beyond the 64 KiB handshake limit.
        let oversized = try RawConnection(port: cluster.port)
        oversized.send([0x10, 0, 0, 0, 0x01, 0x00])
        let reply = oversized.readAll()
        var buffer = ByteBuffer(bytes: reply)
        var decoder = FrameDecoder()
        guard case .error(let error)? = try decoder.next(&buffer) else {
            Issue.record("expected an Error frame, got \(reply.count) bytes")
            return
        }
        #expect(error.code == .frameTooLarge)
        // Malformed: a Hello with a bad magic number.
        let malformed = try RawConnection(port: cluster.port)
        malformed.send([0, 0, 0, 4, 0x01, 0x00, 0xDE, 0xAD, 0xBE, 0xEF])
        var second = ByteBuffer(bytes: malformed.readAll())
        var secondDecoder = FrameDecoder()
        guard case .error(let invalid)? = try secondDecoder.next(&second) else {
            Issue.record("expected an Error frame for the bad Hello")
            return
        }
        #expect(invalid.code == .invalidValue)
        // The coordinator carries on.
        let user = try await store.user()
        let job = try await store.submitBench(user: user)
        try await eventually("a job still runs", cluster: cluster) { try await store.status(job) == .completed }
        #expect(cluster.coordinator!.poll() == nil)
        await cluster.stopAll()
    }
}

/// A plain TCP client for sending bytes no worker would.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw Child.SpawnError(message: "connect failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }

    /// Everything until the peer closes (or the 10 s receive timeout).
    func readAll() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            out.append(contentsOf: buffer[0..<count])
        }
        return out
    }
}
