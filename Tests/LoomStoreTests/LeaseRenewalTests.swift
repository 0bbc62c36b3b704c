import Foundation
import Testing

@testable import LoomStore

/// The lease statement shared by `lease` and `leaseForCluster`, and heartbeats under load.
@Suite("Job queue: shared lease statement, heartbeats that never wait")
struct LeaseRenewalTests {
    @Test("a job given back and leased again reserves its credits once, through either lease call")
    func releasedJobReservesOnce() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool, credits: 100)
        let job = JobSubmission(userID: user.id, kind: .bench, creditEstimate: 10)
        try await queue.submit(job)
        let first = try await leaseOne(queue)
        #expect(try await queue.release(jobID: job.id, token: first.token, reason: "test") == .applied)
        #expect(try await queue.job(job.id)?.attempt == 0)
        let second = try await leaseOne(queue)
        #expect(second.jobID == job.id && second.attempt == 1)
        #expect(try await queue.release(jobID: job.id, token: second.token, reason: "test") == .applied)
        let third = try #require(try await queue.leaseForCluster(worker: UUID(), limit: 1).first)
        #expect(third.lease.jobID == job.id)
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 90)
        let reservations = try await queue.pool.withConnection { connection in
            try connection.query("SELECT count(*) FROM credit_ledger WHERE job_id = $1 AND kind = 'reserve'", [job.id])[0].decode(0, as: Int.self)
        }
        #expect(reservations == 1)
    }

    @Test("one statement leases to several workers: the jobs go to the slots in order, each once, and say whose they are")
    func leaseToSeveralWorkers() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        var jobs: [UUID] = []
        for priority in [5, 4, 3, 2, 1] {
            let job = JobSubmission(userID: user.id, kind: .bench, priority: Int32(priority))
            try await queue.submit(job)
            jobs.append(job.id)
        }
        let (a, b) = (UUID(), UUID())
        let leases = try await queue.leaseForCluster(slots: [a, b, a])
        // Highest priority first: the first job to the first slot, and so on.
        #expect(leases.count == 3)
        let owners = Dictionary(uniqueKeysWithValues: leases.map { ($0.lease.jobID, $0.owner) })
        #expect(owners == [jobs[0]: a, jobs[1]: b, jobs[2]: a])
        for lease in leases {
            let stored = try #require(try await queue.job(lease.lease.jobID))
            #expect(stored.status == .running && stored.leaseOwner == lease.owner && stored.leaseToken == lease.lease.token)
            let started = try await queue.pool.withConnection { connection in
                try connection.query(
                    "SELECT payload->>'worker' FROM job_events WHERE job_id = $1 AND type = 'job_started'", [lease.lease.jobID]
                )[0].decode(0, as: String.self)
            }
            #expect(UUID(uuidString: started) == lease.owner)
        }
        // Two jobs are left for four slots: the statement takes what is due and no more.
        let rest = try await queue.leaseForCluster(slots: [b, a, b, a], perUserCap: 10)
        #expect(Dictionary(uniqueKeysWithValues: rest.map { ($0.lease.jobID, $0.owner) }) == [jobs[3]: b, jobs[4]: a])
        #expect(try await queue.leaseForCluster(slots: [a, b]).isEmpty)
    }

    @Test("with a per-user cap, a user's jobs beyond it wait their turn while other users' jobs run")
    func perUserCap() async throws {
        let queue = try await makeQueue()
        let (busy, other) = (try await makeUser(queue.pool), try await makeUser(queue.pool))
        // The busy user's jobs come first by priority: without the cap they would take every slot.
        for _ in 0..<5 { try await queue.submit(JobSubmission(userID: busy.id, kind: .bench, priority: 10)) }
        for _ in 0..<2 { try await queue.submit(JobSubmission(userID: other.id, kind: .bench)) }
        let worker = UUID()
        let first = try await queue.leaseForCluster(slots: Array(repeating: worker, count: 6), perUserCap: 2)
        #expect(first.filter { $0.lease.userID == busy.id }.count == 2)
        #expect(first.filter { $0.lease.userID == other.id }.count == 2)
        // Both users are at their cap: nothing more runs, though three jobs are queued.
        #expect(try await queue.leaseForCluster(slots: [worker, worker], perUserCap: 2).isEmpty)
        // One of the busy user's jobs ends: one more of theirs may run, and no more.
        let done = try #require(first.first { $0.lease.userID == busy.id })
        #expect(try await queue.complete(jobID: done.lease.jobID, token: done.lease.token, cost: 0) == .applied)
        let next = try await queue.leaseForCluster(slots: [worker, worker, worker], perUserCap: 2)
        #expect(next.count == 1 && next.first?.lease.userID == busy.id)
    }

    @Test("a heartbeat does not wait for a row another statement is writing, and still says what is held")
    func heartbeatSkipsLockedRows() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool)
        try await insertQueuedJobs(queue.pool, user: user.id, count: 2)
        let worker = UUID()
        let leases = try await queue.lease(worker: worker, limit: 2)
        #expect(leases.count == 2)
        let (busy, free) = (leases[0], leases[1])
        // Another connection holds the row lock of `busy`, as a completion being written does.
        let database = queue.pool.configuration.url
        let holder = try PostgresConnection(database)
        try holder.execute("BEGIN")
        _ = try holder.query("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", [busy.jobID])
        defer { try? holder.execute("ROLLBACK") }
        // A heartbeat that waited for the lock would fail here instead.
        let impatient = JobQueue(
            pool: PostgresPool(.init(url: database + "?options=-c%20lock_timeout%3D2000", size: 1)), configuration: queue.configuration)
        let before = try #require(try await queue.job(free.jobID)?.leaseExpiresAt)
        let reply = try await impatient.heartbeat(worker: worker, holding: [busy.jobID, free.jobID])
        #expect(reply.lost.isEmpty)
        #expect(reply.workerKnown == false)
        #expect(try #require(try await queue.job(free.jobID)?.leaseExpiresAt) > before)
        await impatient.pool.close()
    }

    @Test("a queue row whose job is no longer queued is passed over, reserves nothing, and is deleted by the lease that meets it")
    func staleQueueRow() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool, credits: 100)
        let done = JobSubmission(userID: user.id, kind: .bench, priority: 9, creditEstimate: 10)
        let waiting = JobSubmission(userID: user.id, kind: .bench, creditEstimate: 10)
        try await queue.submit(done)
        try await queue.submit(waiting)
        let lease = try await leaseOne(queue)
        #expect(lease.jobID == done.id)
        let finished = try await queue.complete(jobID: done.id, token: lease.token, cost: 10)
        #expect(finished == .applied)
        // A queue row that lies: its job completed, and it is first in line.
        try await queue.pool.withConnection { connection in
            _ = try connection.query(
                "INSERT INTO job_queue (job_id, user_id, priority, run_at, pending) VALUES ($1, $2, 9, now() - interval '1 minute', false)",
                [done.id, user.id])
        }
        let next = try await queue.leaseForCluster(slots: [UUID(), UUID()])
        #expect(next.map(\.lease.jobID) == [waiting.id])
        #expect(try await queue.job(done.id)?.status == .completed)
        #expect(try await Users(pool: queue.pool).user(user.id)?.credits == 80)
        let left = try await queue.pool.withConnection { try $0.query("SELECT count(*) FROM job_queue")[0].decode(0, as: Int.self) }
        #expect(left == 0)
    }
}
