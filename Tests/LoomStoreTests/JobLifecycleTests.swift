import Foundation
import Testing

@testable import LoomStore

@Suite("Job queue: retries, reclaim, timeouts, cancellation, pruning")
struct JobLifecycleTests {
    @Test("retryable failures back off exponentially with jitter, then fail for good after max_tries")
    func retryAndBackoffSequence() async throws {
        // base 40 ms, cap 160 ms: attempt n waits at most min(160, 40 · 2^(n-1)) ms.
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool, credits: 100)
        let job = JobSubmission(userID: user.id, kind: .workflow, maxTries: 4, creditEstimate: 30)
        try await queue.submit(job)
        var ceilings: [Double] = []
        for attempt in 1...4 {
            let lease = try await leaseOne(queue)
            #expect(lease.attempt == Int32(attempt))
            let before = Date()
            let outcome = try await queue.fail(jobID: job.id, token: lease.token, error: "attempt \(attempt) failed", retryable: true)
            if attempt < 4 {
                guard case .retrying(let number, let retryAt) = outcome else {
                    Issue.record("attempt \(attempt): expected a retry, got \(outcome)")
                    return
                }
                #expect(number == Int32(attempt))
                let ceiling = min(160.0, 40.0 * pow(2, Double(attempt - 1)))
                ceilings.append(ceiling)
                // The delay is drawn from [0, ceiling] ms (the backoff distribution test checks
                // it exactly); the slack covers the statement's own time on a busy machine.
                #expect(retryAt.timeIntervalSince(before) * 1000 <= ceiling + 1000)
                #expect(try await queue.job(job.id)?.status == .queued)
                // Not due before its time has come, due after.
                try await Task.sleep(for: .milliseconds(Int(ceiling) + 20))
            } else {
                #expect(outcome == .failed)
            }
        }
        #expect(ceilings == [40, 80, 160])
        let record = try #require(try await queue.job(job.id))
        #expect(record.status == .failed)
        #expect(record.errorMessage == "attempt 4 failed")
        #expect(record.completedAt != nil)
        // The reservation came back: the user has what they started with.
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 100)
        let types = try await queue.events(of: job.id).map(\.type)
        #expect(types.filter { $0 == "job_retrying" }.count == 3)
        #expect(types.last == "job_failed")
    }

    @Test("backoff delays are full jitter under an exponential ceiling with a cap")
    func backoffDistribution() async throws {
        let queue = try await makeQueue()
        for (attempt, ceiling) in [(1, 40.0), (2, 80.0), (3, 160.0), (4, 160.0), (12, 160.0)] {
            let delays = try await queue.pool.withConnection { connection in
                try connection.query(
                    "SELECT extract(epoch FROM loom_backoff($1, 40, 160))::float8 * 1000 FROM generate_series(1, 400)",
                    [Int32(attempt)]
                ).map { try $0.decode(0, as: Double.self) }
            }
            #expect(delays.allSatisfy { $0 >= 0 && $0 <= ceiling })
            // 400 uniform draws all below 80% of the ceiling: probability 0.8^400.
            #expect(delays.max()! > ceiling * 0.8)
            #expect(delays.min()! < ceiling * 0.2)
        }
    }

    @Test("a failure that is not retryable fails at once, tries left or not")
    func nonRetryableFailure() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        let job = JobSubmission(userID: user.id, kind: .workflow)
        try await queue.submit(job)
        let lease = try await leaseOne(queue)
        #expect(try await queue.fail(jobID: job.id, token: lease.token, error: "bad workflow", retryable: false) == .failed)
        #expect(try await queue.job(job.id)?.status == .failed)
    }

    @Test("the reclaimer requeues expired leases, fails them after max_tries, and records why")
    func reclaimAfterExpiry() async throws {
        let queue = try await makeQueue {
            $0.leaseTTL = .milliseconds(400)
            $0.reclaimBatchSize = 7
        }
        let user = try await makeUser(queue.pool, credits: 1000)
        let healthyWorker = UUID()
        let deadWorker = UUID()
        // 20 jobs on a worker that dies (more than two reclaim batches), 1 on one that heartbeats.
        for _ in 0..<20 { try await queue.submit(JobSubmission(userID: user.id, kind: .workflow, maxTries: 2, creditEstimate: 5)) }
        let dead = try await queue.lease(worker: deadWorker, limit: 20)
        try await queue.submit(JobSubmission(userID: user.id, kind: .workflow))
        let alive = try await leaseOne(queue, worker: healthyWorker)
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 1000 - 100)

        try await Task.sleep(for: .milliseconds(420))
        _ = try await queue.heartbeat(worker: healthyWorker, holding: [alive.jobID])
        let first = try await queue.reclaimOnce()
        #expect(Set(first.requeued) == Set(dead.map(\.jobID)))
        #expect(first.failed.isEmpty)
        #expect(try await queue.job(alive.jobID)?.status == .running)
        let event = try #require(try await queue.events(of: dead[0].jobID).last)
        #expect(event.type == "lease_expired")
        #expect(event.payload.json.contains(deadWorker.uuidString.lowercased()))

        // Second attempt, same fate: no tries left, so failed and refunded.
        try await Task.sleep(for: .milliseconds(200))
        let again = try await queue.lease(worker: deadWorker, limit: 20)
        #expect(again.count == 20)
        #expect(again.allSatisfy { $0.attempt == 2 })
        try await Task.sleep(for: .milliseconds(420))
        _ = try await queue.heartbeat(worker: healthyWorker, holding: [alive.jobID])
        let second = try await queue.reclaimOnce()
        #expect(second.requeued.isEmpty)
        #expect(Set(second.failed) == Set(dead.map(\.jobID)))
        #expect(second.refunded == 100)
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 1000)
        #expect(try await queue.job(dead[0].jobID)?.errorMessage?.contains("stopped heartbeating") == true)
    }

    @Test("a reclaim never overwrites a job that finished meanwhile")
    func reclaimIsCompareAndSet() async throws {
        let queue = try await makeQueue { $0.leaseTTL = .milliseconds(10) }
        let user = try await makeUser(queue.pool)
        let job = JobSubmission(userID: user.id, kind: .workflow)
        try await queue.submit(job)
        let lease = try await leaseOne(queue)
        try await Task.sleep(for: .milliseconds(20))
        // The lease has expired, but the worker completes before the reclaimer runs.
        #expect(try await queue.complete(jobID: job.id, token: lease.token, cost: 0) == .applied)
        let report = try await queue.reclaimOnce()
        #expect(report == JobQueue.ReclaimReport())
        #expect(try await queue.job(job.id)?.status == .completed)
    }

    @Test("a job past its timeout is failed and refunded, and its worker learns it is no longer held")
    func timeout() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool, credits: 50)
        let job = JobSubmission(userID: user.id, kind: .workflow, timeout: .seconds(2), creditEstimate: 20)
        try await queue.submit(job)
        let worker = UUID()
        let lease = try await leaseOne(queue, worker: worker)
        #expect(try await queue.reclaimOnce().timedOut.isEmpty)
        try await Task.sleep(for: .milliseconds(2_050))
        let report = try await queue.reclaimOnce()
        #expect(report.timedOut == [job.id])
        #expect(report.refunded == 20)
        let record = try #require(try await queue.job(job.id))
        #expect(record.status == .failed)
        #expect(record.errorMessage?.hasPrefix("timed out") == true)
        #expect(try await queue.heartbeat(worker: worker, holding: [lease.jobID]).lost == [job.id])
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 50)
    }

    @Test("cancel: pending and queued jobs at once, running ones through the worker or lease expiry")
    func cancelPaths() async throws {
        let queue = try await makeQueue { $0.leaseTTL = .milliseconds(40) }
        let users = Users(pool: queue.pool)
        let user = try await makeUser(queue.pool, credits: 100)

        let pending = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10, delay: .seconds(60))
        try await queue.submit(pending)
        #expect(try await queue.cancel(jobID: pending.id, user: user.id) == .cancelled)
        #expect(try await queue.job(pending.id)?.status == .cancelled)
        #expect(try await queue.cancel(jobID: pending.id) == .alreadyFinished(.cancelled))

        let queued = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10, delay: .zero)
        try await queue.submit(queued)
        #expect(try await queue.cancel(jobID: queued.id) == .cancelled)
        #expect(try await queue.lease(worker: UUID(), limit: 5).isEmpty)

        // Running, acknowledged by the worker.
        let acknowledged = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10)
        try await queue.submit(acknowledged)
        let worker = UUID()
        let lease = try await leaseOne(queue, worker: worker)
        #expect(try await users.user(user.id)?.credits == 90)
        #expect(try await queue.cancel(jobID: acknowledged.id, user: user.id) == .requested)
        #expect(try await queue.job(acknowledged.id)?.status == .running)
        #expect(try await queue.job(acknowledged.id)?.cancelRequested == true)
        #expect(try await queue.heartbeat(worker: worker, holding: [lease.jobID]).cancel == [acknowledged.id])
        #expect(try await queue.acknowledgeCancel(jobID: acknowledged.id, token: lease.token) == .applied)
        #expect(try await queue.job(acknowledged.id)?.status == .cancelled)
        #expect(try await users.user(user.id)?.credits == 100)

        // Running, the worker never answers: cancelled (not requeued) when its lease expires.
        let abandoned = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10)
        try await queue.submit(abandoned)
        _ = try await leaseOne(queue)
        #expect(try await queue.cancel(jobID: abandoned.id) == .requested)
        try await Task.sleep(for: .milliseconds(60))
        #expect(try await queue.reclaimOnce().cancelled == [abandoned.id])
        #expect(try await queue.job(abandoned.id)?.status == .cancelled)

        // Running, the worker reports a failure instead: cancelled all the same, not retried.
        let failing = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10)
        try await queue.submit(failing)
        let failingLease = try await leaseOne(queue)
        #expect(try await queue.cancel(jobID: failing.id) == .requested)
        #expect(try await queue.fail(jobID: failing.id, token: failingLease.token, error: "stopped", retryable: true) == .cancelled)

        // Finished jobs and other users' jobs.
        let done = JobSubmission(userID: user.id, kind: .workflow)
        try await queue.submit(done)
        let doneLease = try await leaseOne(queue)
        _ = try await queue.complete(jobID: done.id, token: doneLease.token, cost: 0)
        #expect(try await queue.cancel(jobID: done.id) == .alreadyFinished(.completed))
        let other = try await makeUser(queue.pool)
        await #expect(throws: QueueError.unknownJob(done.id)) { try await queue.cancel(jobID: done.id, user: other.id) }
        await #expect(throws: QueueError.self) { try await queue.cancel(jobID: UUID()) }

        #expect(try await users.user(user.id)?.credits == 100)
    }

    @Test("prune deletes events and artifacts of jobs finished before the retention window")
    func prune() async throws {
        let queue = try await makeQueue { $0.keepResult = .seconds(3600) }
        let user = try await makeUser(queue.pool)
        let old = JobSubmission(userID: user.id, kind: .workflow)
        let running = JobSubmission(userID: user.id, kind: .workflow)
        try await queue.submit(old)
        let oldLease = try await leaseOne(queue)
        try await queue.submit(running)
        let runningLease = try await leaseOne(queue)
        _ = try await queue.storeArtifact(jobID: old.id, token: oldLease.token, nodeID: "v", name: "p.svg", contentType: "image/svg+xml", bytes: Data([1]))
        _ = try await queue.complete(jobID: old.id, token: oldLease.token, cost: 0)
        #expect(try await queue.prune() == (0, 0))
        // Let the hour pass: move the finish into the past rather than wait.
        try await queue.pool.withConnection { connection in
            _ = try connection.query("UPDATE jobs SET completed_at = now() - interval '61 minutes' WHERE id = $1", [old.id])
        }
        #expect(try await queue.prune() == (2, 1))
        #expect(try await queue.events(of: old.id).isEmpty)
        #expect(try await queue.events(of: running.id).count == 1)
        _ = runningLease

        var forever = queue
        forever.configuration.keepResult = .zero
        #expect(try await forever.prune() == (0, 0))
    }

    @Test("deleting a job deletes its events, directly or through its user (a trigger: events have no foreign key)")
    func deletingJobsDeletesEvents() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        let (first, second) = (JobSubmission(userID: user.id, kind: .workflow), JobSubmission(userID: user.id, kind: .workflow))
        try await queue.submit(first)
        _ = try await leaseOne(queue)
        try await queue.submit(second)
        _ = try await leaseOne(queue)
        #expect(try await queue.events(of: first.id).count == 1)
        let count = { (job: UUID) in
            try await queue.pool.withConnection { connection in
                try connection.query("SELECT count(*) FROM job_events WHERE job_id = $1", [job])[0].decode(0, as: Int.self)
            }
        }
        try await queue.pool.withConnection { connection in _ = try connection.query("DELETE FROM jobs WHERE id = $1", [first.id]) }
        #expect(try await count(first.id) == 0)
        #expect(try await count(second.id) == 1)
        try await queue.pool.withConnection { connection in _ = try connection.query("DELETE FROM users WHERE id = $1", [user.id]) }
        #expect(try await count(second.id) == 0)
    }
}
