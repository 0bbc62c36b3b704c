import Foundation
import Testing

@testable import LoomStore

/// A queue on a fresh database, with short lease and backoff times so tests wait
/// milliseconds, not seconds.
func makeQueue(poolSize: Int = 4, configure: (inout JobQueue.Configuration) -> Void = { _ in }) async throws -> JobQueue {
    var configuration = JobQueue.Configuration()
    configuration.leaseTTL = .milliseconds(60_000)
    configuration.backoffBase = .milliseconds(40)
    configuration.backoffCap = .milliseconds(160)
    configuration.creditWait = .milliseconds(30)
    configure(&configuration)
    return JobQueue(pool: try await TestDatabase.makeMigrated(poolSize: poolSize), configuration: configuration)
}

/// Leases `job` (the only due one) and returns its lease.
func leaseOne(_ queue: JobQueue, worker: UUID = UUID()) async throws -> JobLease {
    let leases = try await queue.lease(worker: worker, limit: 1)
    return try #require(leases.first)
}

@Suite("Job queue: submit, lease, heartbeat, complete")
struct JobQueueTests {
    @Test("submit queues a due job and leaves a delayed one pending until promoted")
    func submitAndPromote() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        #expect(try await queue.submit(JobSubmission(userID: user.id, kind: .workflow)) == .queued)
        let delayed = JobSubmission(userID: user.id, kind: .ingestion, delay: .seconds(60))
        #expect(try await queue.submit(delayed) == .pending)
        #expect(try await queue.promoteDue() == 0)
        // Let the minute pass: move run_at into the past rather than wait (the job's row and
        // its queue row hold it).
        try await queue.pool.withConnection { connection in
            _ = try connection.query("UPDATE jobs SET run_at = now() - interval '1 second' WHERE id = $1", [delayed.id])
            _ = try connection.query("UPDATE job_queue SET run_at = now() - interval '1 second' WHERE job_id = $1", [delayed.id])
        }
        #expect(try await queue.promoteDue() == 1)
        #expect(try await queue.job(delayed.id)?.status == .queued)
    }

    @Test("submitting for an unknown user or with impossible settings is refused")
    func submitRefusals() async throws {
        let queue = try await makeQueue()
        await #expect(throws: QueueError.self) { try await queue.submit(JobSubmission(userID: UUID(), kind: .workflow)) }
        let user = try await makeUser(queue.pool)
        await #expect(throws: QueueError.invalidArgument("max_tries must be at least 1")) {
            try await queue.submit(JobSubmission(userID: user.id, kind: .workflow, maxTries: 0))
        }
    }

    @Test("leases go by priority, then age, and carry growing fencing tokens")
    func leaseOrder() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        let low = JobSubmission(userID: user.id, kind: .workflow, priority: 0)
        let high = JobSubmission(userID: user.id, kind: .workflow, priority: 5)
        let lowLater = JobSubmission(userID: user.id, kind: .workflow, priority: 0)
        for job in [low, high, lowLater] {
            try await queue.submit(job)
            try await Task.sleep(for: .milliseconds(2))
        }
        let worker = UUID()
        let leases = try await queue.lease(worker: worker, limit: 10)
        #expect(leases.map(\.jobID) == [high.id, low.id, lowLater.id])
        #expect(Set(leases.map(\.token)).count == 3)
        #expect(leases.allSatisfy { $0.attempt == 1 })
        #expect(try await queue.lease(worker: worker, limit: 10).isEmpty)

        let record = try #require(try await queue.job(high.id))
        #expect(record.status == .running)
        #expect(record.leaseOwner == worker)
        #expect(record.startedAt != nil)
        #expect(try await queue.events(of: high.id).map(\.type) == ["job_started"])
    }

    @Test("8 concurrent leasers over 10,000 jobs lease every job exactly once")
    func concurrentLeasersLeaseEachJobOnce() async throws {
        let queue = try await makeQueue(poolSize: 8)
        let user = try await makeUser(queue.pool)
        try await insertQueuedJobs(queue.pool, user: user.id, count: 10_000, creditEstimate: 1)
        let perLeaser = try await withThrowingTaskGroup(of: [UUID].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let worker = UUID()
                    var mine: [UUID] = []
                    while true {
                        let leases = try await queue.lease(worker: worker, limit: Int.random(in: 1...64))
                        if leases.isEmpty { return mine }
                        mine += leases.map(\.jobID)
                    }
                }
            }
            return try await group.reduce(into: [[UUID]]()) { $0.append($1) }
        }
        let all = perLeaser.flatMap { $0 }
        #expect(all.count == 10_000)
        #expect(Set(all).count == 10_000)
        #expect(perLeaser.filter { !$0.isEmpty }.count > 1)
        // Every lease reserved its credit once.
        let balance = try await Users(pool: queue.pool).user(user.id)?.credits
        #expect(balance == Int64(990_000))
    }

    /// The workers table of a new database, and a worker's registration (not yet made).
    private func workerFixture() async throws -> (workers: Workers, registration: WorkerRegistration) {
        let queue = try await makeQueue()
        return (Workers(pool: queue.pool), WorkerRegistration(instanceID: UUID(), name: "w1", host: "localhost", capacity: 4))
    }

    @Test("an operator's drain outlives a reconnection of the same worker process; a new process starts active")
    func drainSurvivesReconnect() async throws {
        let (workers, registration) = try await workerFixture()
        let worker = registration.instanceID
        #expect(try await workers.register(registration).state == .active)
        #expect(try await workers.setState(worker, .draining))
        #expect(try await workers.register(registration).state == .draining)
        #expect(try await workers.setState(worker, .gone))
        #expect(try await workers.register(registration).state == .active)
        #expect(try await workers.register(WorkerRegistration(instanceID: UUID(), name: "w1", host: "localhost", capacity: 4)).state == .active)
    }

    @Test("a worker is marked gone when its connection ends, not when an older one does, nor when drained")
    func markGone() async throws {
        let (workers, registration) = try await workerFixture()
        let worker = registration.instanceID
        let first = try await workers.register(registration)
        try await Task.sleep(for: .milliseconds(2))
        let second = try await workers.register(registration)
        #expect(first.connectedAt != second.connectedAt)
        #expect(try await workers.markGone(worker, connectedAt: first.connectedAt) == false)  // an older connection
        #expect(try await workers.markGone(worker, connectedAt: second.connectedAt))
        let third = try await workers.register(registration)
        #expect(third.state == .active)
        #expect(try await workers.setState(worker, .draining))
        #expect(try await workers.markGone(worker, connectedAt: third.connectedAt) == false)  // drained: kept for its return
    }

    @Test("a heartbeat extends held leases and names jobs that are no longer held or must be cancelled")
    func heartbeat() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        let worker = UUID()
        try await Workers(pool: queue.pool).register(.init(instanceID: worker, name: "w1", host: "localhost", capacity: 4))
        for _ in 0..<3 { try await queue.submit(JobSubmission(userID: user.id, kind: .workflow)) }
        let leases = try await queue.lease(worker: worker, limit: 3)
        let before = try #require(try await queue.job(leases[0].jobID)?.leaseExpiresAt)

        #expect(try await queue.cancel(jobID: leases[1].jobID) == .requested)
        #expect(try await queue.complete(jobID: leases[2].jobID, token: leases[2].token, cost: 0) == .applied)
        let stranger = UUID()
        try await Task.sleep(for: .milliseconds(5))
        let reply = try await queue.heartbeat(worker: worker, holding: leases.map(\.jobID) + [stranger])
        #expect(reply.workerKnown)
        #expect(reply.cancel == [leases[1].jobID])
        #expect(reply.lost == [leases[2].jobID, stranger])
        let after = try #require(try await queue.job(leases[0].jobID)?.leaseExpiresAt)
        #expect(after > before)

        let unknown = try await queue.heartbeat(worker: UUID(), holding: [leases[0].jobID])
        #expect(!unknown.workerKnown)
        #expect(unknown.lost == [leases[0].jobID])
    }

    @Test("node statuses, events and artifacts are written under the lease, with contiguous event numbers")
    func progressWrites() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        try await queue.submit(JobSubmission(userID: user.id, kind: .workflow))
        try await queue.submit(JobSubmission(userID: user.id, kind: .workflow))
        let leases = try await queue.lease(worker: UUID(), limit: 2)
        let (a, b) = (leases[0], leases[1])

        #expect(try await queue.setNodeStatus(jobID: a.jobID, token: a.token, nodeID: "model-1", status: .running) == .applied)
        let output = JSONB(json: #"{"accuracy": 0.97}"#)
        #expect(
            try await queue.setNodeStatus(jobID: a.jobID, token: a.token, nodeID: "model-1", status: .completed, output: output)
                == .applied
        )
        let payload = JSONB(json: #"{"progress": 0.5}"#)
        let sequences = try await queue.appendEvents([
            .init(jobID: a.jobID, token: a.token, type: "node_progress", payload: payload),
            .init(jobID: b.jobID, token: b.token, type: "node_progress", payload: payload),
            .init(jobID: a.jobID, token: a.token, type: "metrics", payload: output),
            .init(jobID: b.jobID, token: b.token + 1000, type: "node_progress", payload: payload),
        ])
        #expect(sequences[a.jobID] == [4, 5])
        #expect(sequences[b.jobID] == [2])
        #expect(
            try await queue.events(of: a.jobID).map(\.type)
                == ["job_started", "node_status", "node_status", "node_progress", "metrics"]
        )
        #expect(try await queue.events(of: a.jobID, after: 3).map(\.seq) == [4, 5])

        let svg = Data("<svg/>".utf8)
        #expect(
            try await queue.storeArtifact(jobID: a.jobID, token: a.token, nodeID: "viz", name: "roc.svg", contentType: "image/svg+xml", bytes: svg)
                == .applied
        )
        let node = try await queue.pool.withConnection { connection in
            try connection.query("SELECT status, output_data, started_at IS NOT NULL, completed_at IS NOT NULL FROM job_nodes WHERE job_id = $1", [a.jobID])
                .first { row throws(PostgresError) in
                    (try row.decode(0, as: String.self), try row.decode(1, as: JSONB.self), try row.decode(2, as: Bool.self), try row.decode(3, as: Bool.self))
                }
        }
        #expect(node?.0 == "completed")
        #expect(node?.1 == JSONB(json: #"{"accuracy": 0.97}"#))
        #expect(node?.2 == true && node?.3 == true)
    }

    @Test("a stale fencing token changes nothing and reports lease lost")
    func staleTokenRefused() async throws {
        let queue = try await makeQueue { $0.leaseTTL = .milliseconds(20) }
        let user = try await makeUser(queue.pool)
        let job = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10)
        try await queue.submit(job)
        let zombie = try await leaseOne(queue)
        try await Task.sleep(for: .milliseconds(40))
        let report = try await queue.reclaimOnce()
        #expect(report.requeued == [job.id])
        try await Task.sleep(for: .milliseconds(200))  // the backoff, at most the 160 ms cap
        let current = try await leaseOne(queue)
        #expect(current.token > zombie.token)
        #expect(current.attempt == 2)

        let eventsBefore = try await queue.events(of: job.id)
        #expect(try await queue.complete(jobID: job.id, token: zombie.token, cost: 1) == .leaseLost)
        #expect(try await queue.fail(jobID: job.id, token: zombie.token, error: "boom", retryable: false) == .leaseLost)
        #expect(try await queue.setNodeStatus(jobID: job.id, token: zombie.token, nodeID: "n", status: .failed) == .leaseLost)
        #expect(try await queue.appendEvents([.init(jobID: job.id, token: zombie.token, type: "x", payload: JSONB(json: "{}"))]).isEmpty)
        #expect(
            try await queue.storeArtifact(jobID: job.id, token: zombie.token, nodeID: "n", name: "a", contentType: "text/plain", bytes: Data())
                == .leaseLost
        )
        #expect(try await queue.acknowledgeCancel(jobID: job.id, token: zombie.token) == .leaseLost)
        #expect(try await queue.events(of: job.id) == eventsBefore)
        let record = try #require(try await queue.job(job.id))
        #expect(record.status == .running)
        #expect(record.leaseToken == current.token)

        #expect(try await queue.complete(jobID: job.id, token: current.token, cost: 4) == .applied)
        #expect(try await queue.job(job.id)?.status == .completed)
        // A second completion with the same token is a lost lease too, and charges nothing more.
        #expect(try await queue.complete(jobID: job.id, token: current.token, cost: 4) == .leaseLost)
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 1_000_000 - 4)
    }

    @Test("completing many jobs is one statement, and reports each one's outcome")
    func batchCompletion() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool, credits: 100)
        for _ in 0..<5 { try await queue.submit(JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10)) }
        let leases = try await queue.lease(worker: UUID(), limit: 5)
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 50)
        var completions = leases.map { JobQueue.Completion(jobID: $0.jobID, token: $0.token, cost: 3) }
        completions[4].token += 1  // one stale
        completions[3].cost = 25  // one that cost more than it reserved: charged its estimate
        let outcomes = try await queue.complete(completions)
        #expect(outcomes.values.filter { $0 == .applied }.count == 4)
        #expect(outcomes[leases[4].jobID] == .leaseLost)
        // 4 jobs charged 3 + 3 + 3 + 10; the fifth still holds its reservation of 10.
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 100 - 19 - 10)
        #expect(try await queue.job(leases[3].jobID)?.creditCost == 10)
    }
}
