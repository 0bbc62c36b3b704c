import Foundation
import Testing

@testable import LoomStore

@Suite("Credits: reserve, charge, refund, and the ledger")
struct CreditsTests {
    @Test("a job that can never be afforded is refused at submit with a clear error")
    func insufficientCredits() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool, credits: 5)
        let job = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 6)
        let error = await #expect(throws: QueueError.self) { try await queue.submit(job) }
        #expect(error == .insufficientCredits(needed: 6, available: 5))
        #expect(error?.description.contains("insufficient credits") == true)
        #expect(try await queue.job(job.id) == nil)
    }

    @Test("jobs a user cannot afford right now wait queued until credits come back")
    func waitsForCredits() async throws {
        let queue = try await makeQueue()
        let user = try await makeUser(queue.pool, credits: 10)
        let first = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10)
        let second = JobSubmission(userID: user.id, kind: .workflow, creditEstimate: 10)
        try await queue.submit(first)
        let lease = try await leaseOne(queue)
        try await queue.submit(second)
        #expect(try await queue.lease(worker: UUID(), limit: 1).isEmpty)
        #expect(try await queue.job(second.id)?.status == .queued)
        _ = try await queue.complete(jobID: first.id, token: lease.token, cost: 0)
        try await Task.sleep(for: .milliseconds(50))  // the credit wait (30 ms)
        #expect(try await queue.lease(worker: UUID(), limit: 1).map(\.jobID) == [second.id])
    }

    @Test("a negative grant below zero is refused and changes nothing")
    func balanceNeverNegative() async throws {
        let queue = try await makeQueue()
        let users = Users(pool: queue.pool)
        let user = try await makeUser(queue.pool, credits: 3)
        let error = await #expect(throws: PostgresError.self) { try await users.grant(user.id, amount: -4) }
        #expect(error?.sqlState == "23514")
        #expect(try await users.user(user.id)?.credits == 3)
        #expect(try await users.ledger(of: user.id).count == 1)
    }

    @Test("after a long random sequence of operations the ledger sums to every balance, and none is negative")
    func randomizedLedgerInvariant() async throws {
        var random = SeededRandom(seed: 20261129)
        let queue = try await makeQueue { $0.leaseTTL = .milliseconds(5) }
        let users = Users(pool: queue.pool)
        var people: [UUID] = []
        for _ in 0..<4 { people.append(try await makeUser(queue.pool, credits: Int64.random(in: 20...200, using: &random)).id) }
        var leases: [JobLease] = []

        for _ in 0..<600 {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<30:
                let job = JobSubmission(
                    userID: people.randomElement(using: &random)!, kind: .workflow,
                    maxTries: Int32.random(in: 1...3, using: &random), creditEstimate: Int64.random(in: 0...40, using: &random)
                )
                _ = try? await queue.submit(job)
            case 30..<50:
                leases += try await queue.lease(worker: UUID(), limit: Int.random(in: 1...4, using: &random))
            case 50..<65 where !leases.isEmpty:
                let lease = leases.remove(at: Int.random(in: 0..<leases.count, using: &random))
                _ = try await queue.complete(jobID: lease.jobID, token: lease.token, cost: Int64.random(in: 0...50, using: &random))
            case 65..<75 where !leases.isEmpty:
                let lease = leases.remove(at: Int.random(in: 0..<leases.count, using: &random))
                _ = try await queue.fail(jobID: lease.jobID, token: lease.token, error: "x", retryable: Bool.random(using: &random))
            case 75..<82 where !leases.isEmpty:
                // A stale write: a token that was never this job's.
                let lease = leases.randomElement(using: &random)!
                _ = try await queue.complete(jobID: lease.jobID, token: lease.token + 7, cost: 1)
            case 82..<88:
                let jobs = try await queue.pool.withConnection { connection in
                    try connection.query("SELECT id FROM jobs ORDER BY random() LIMIT 1").map { try $0.decode(0, as: UUID.self) }
                }
                if let job = jobs.first { _ = try await queue.cancel(jobID: job) }
            case 88..<94:
                if let lease = leases.randomElement(using: &random) {
                    _ = try await queue.acknowledgeCancel(jobID: lease.jobID, token: lease.token)
                }
            case 94..<97:
                _ = try await queue.reclaimOnce()
            default:
                _ = try? await users.grant(people.randomElement(using: &random)!, amount: Int64.random(in: -30...30, using: &random))
            }
        }

        let rows = try await queue.pool.withConnection { connection in
            try connection.query(
                """
                SELECT u.credits, coalesce((SELECT sum(amount) FROM credit_ledger l WHERE l.user_id = u.id), 0)::bigint,
                       (SELECT count(*) FROM credit_ledger l WHERE l.user_id = u.id AND l.kind <> 'grant')
                FROM users u
                """
            ).map { row in (try row.decode(0, as: Int64.self), try row.decode(1, as: Int64.self), try row.decode(2, as: Int.self)) }
        }
        #expect(rows.count == 4)
        for (balance, ledgerSum, _) in rows {
            #expect(balance >= 0)
            #expect(balance == ledgerSum)
        }
        #expect(rows.map(\.2).reduce(0, +) > 20, "the sequence moved credits through jobs")

        // The queue and running tables (migration 0009) follow the jobs' statuses exactly, and
        // hold what each job has reserved.
        let (strays, queued, running) = try await queue.pool.withConnection { connection in
            let row = try connection.query(
                """
                WITH holds AS (
                    SELECT j.*, CASE WHEN EXISTS (SELECT 1 FROM credit_ledger l WHERE l.job_id = j.id AND l.kind = 'reserve')
                                     THEN j.credit_estimate ELSE 0 END AS held
                    FROM jobs j
                )
                SELECT count(*) FILTER (WHERE
                           (status IN ('pending', 'queued')) <> EXISTS (
                               SELECT 1 FROM job_queue q WHERE q.job_id = h.id AND q.user_id = h.user_id AND q.priority = h.priority
                                 AND q.run_at = h.run_at AND q.pending = (h.status = 'pending') AND q.reserved = h.held)
                           OR (status = 'running') <> EXISTS (
                               SELECT 1 FROM job_running r WHERE r.job_id = h.id AND r.user_id = h.user_id
                                 AND r.owner = h.lease_owner AND r.reserved = h.held)),
                       (SELECT count(*) FROM job_queue), (SELECT count(*) FROM job_running)
                FROM holds h
                """)[0]
            return (try row.decode(0, as: Int.self), try row.decode(1, as: Int.self), try row.decode(2, as: Int.self))
        }
        #expect(strays == 0)
        #expect(queued + running > 0, "the sequence left jobs waiting or running")

        // Every finished job's credits are settled: charged if completed, refunded if not.
        let unsettled = try await queue.pool.withConnection { connection in
            try connection.query(
                """
                SELECT count(*) FROM jobs j
                WHERE j.status IN ('completed', 'failed', 'cancelled')
                  AND EXISTS (SELECT 1 FROM credit_ledger r WHERE r.job_id = j.id AND r.kind = 'reserve')
                  AND NOT EXISTS (SELECT 1 FROM credit_ledger s WHERE s.job_id = j.id AND s.kind IN ('charge', 'refund'))
                """
            )[0].decode(0, as: Int.self)
        }
        #expect(unsettled == 0)
    }
}

/// SplitMix64: a small seeded generator, so a failing random sequence can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
