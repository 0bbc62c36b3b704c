import Foundation
import Logging
import LoomStore
import Synchronization
import Testing

@testable import LoomCoordinator

@Suite("Coordinator: the ordered writer")
struct JobWriterTests {
    @Test("each job's events are stored before its completion, though completions of every lane share one group; finish flushes all")
    func eventsBeforeCompletion() async throws {
        let pool = PostgresPool(.init(url: try await ClusterDatabase.makeMigrated(), size: 6))
        let queue = JobQueue(pool: pool)
        let user = try await Users(pool: pool).create(name: "writer", credits: 1_000).0
        for _ in 0..<41 { try await queue.submit(JobSubmission(userID: user.id, kind: .bench)) }
        let leases = try await queue.leaseForCluster(worker: UUID(), limit: 41).map(\.lease)
        try #require(leases.count == 41)
        let (jobs, stranger) = (leases.dropLast(), leases.last!)

        // Small groups and three lanes: a job's events and its completion often share a
        // group, and completions are handed over while other jobs' events are being written.
        let writer = JobWriter(queue: queue, lanes: 3, maxBatch: 7, logger: Logger(label: "test"))
        let running = Task { await writer.run() }
        let outcomes = Mutex<[UUID: GuardedWrite?]>([:])
        for lease in jobs {
            for step in 0..<3 {
                writer.submit(.event(.init(jobID: lease.jobID, token: lease.token, type: "node_progress", payload: JSONB(json: "{\"step\": \(step)}"))))
            }
            writer.submit(.complete(.init(jobID: lease.jobID, token: lease.token, cost: 0)) { outcome in outcomes.withLock { $0[lease.jobID] = outcome } })
        }
        // A completion under a token the job does not hold changes nothing.
        writer.submit(.complete(.init(jobID: stranger.jobID, token: stranger.token + 1, cost: 0)) { outcome in outcomes.withLock { $0[stranger.jobID] = outcome } })
        writer.finish()
        await running.value

        let replies = outcomes.withLock { $0 }
        #expect(replies.count == 41, "run() returned before every reply")
        for lease in jobs {
            #expect(replies[lease.jobID] == .some(.applied))
            #expect(try await queue.job(lease.jobID)?.status == .completed)
            let events = try await queue.events(of: lease.jobID)
            #expect(events.map(\.type) == ["job_started", "node_progress", "node_progress", "node_progress", "job_completed"])
            #expect(events.map(\.seq) == [1, 2, 3, 4, 5])
        }
        #expect(replies[stranger.jobID] == .some(.leaseLost))
        #expect(try await queue.job(stranger.jobID)?.status == .running)
        await pool.close()
    }
}
