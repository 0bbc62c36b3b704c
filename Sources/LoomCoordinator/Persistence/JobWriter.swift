import Foundation
import Logging
import LoomStore
import Synchronization

/// Every write workers make on jobs goes through here. A job's writes keep the order they
/// arrived in (its events are stored before its completion ends its lease): each job
/// belongs to one of `lanes` lanes by its id, and each lane flushes in groups. While one
/// flush runs, the next writes gather, and runs of events or completions go to PostgreSQL
/// as one statement each (group commit). Lanes flush side by side on their own
/// connections, so PostgreSQL commits their statements together too and one slow
/// statement holds up only its lane.
final class JobWriter: Sendable {
    enum Operation: Sendable {
        case event(JobQueue.NewEvent)
        /// `reply` gets the outcome, or nil when the statement failed (logged here).
        case complete(JobQueue.Completion, reply: @Sendable (GuardedWrite?) -> Void)
        /// Anything else, one statement or transaction of its own.
        case single(jobID: UUID, @Sendable (JobQueue) async throws -> Void)

        var jobID: UUID {
            switch self {
            case .event(let event): event.jobID
            case .complete(let completion, _): completion.jobID
            case .single(let jobID, _): jobID
            }
        }
    }

    private let lanes: [WriterLane]

    init(queue: JobQueue, lanes: Int, maxBatch: Int, logger: Logger) {
        self.lanes = (0..<max(1, lanes)).map { _ in WriterLane(queue: queue, maxBatch: maxBatch, logger: logger) }
    }

    func submit(_ operation: Operation) {
        lanes[Int(UInt(bitPattern: operation.jobID.hashValue) % UInt(lanes.count))].submit(operation)
    }

    /// Flushes until `finish()`; what is pending then is flushed before returning.
    func run() async {
        await withDiscardingTaskGroup { group in
            for lane in lanes { group.addTask { await lane.run() } }
        }
    }

    func finish() {
        for lane in lanes { lane.finish() }
    }
}

/// One ordered queue of writes and the loop that flushes it.
private final class WriterLane: Sendable {
    typealias Operation = JobWriter.Operation

    private let queue: JobQueue
    private let logger: Logger
    private let maxBatch: Int
    private let pending = Mutex<[Operation]>([])
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Times a group statement that hit a deadlock or serialization failure is tried again.
    private let retries = 3

    init(queue: JobQueue, maxBatch: Int, logger: Logger) {
        self.queue = queue
        self.maxBatch = maxBatch
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func submit(_ operation: Operation) {
        pending.withLock { $0.append(operation) }
        wake.yield()
    }

    func run() async {
        for await _ in wakes {
            await drainPending()
        }
        await drainPending()
    }

    func finish() { wake.finish() }

    private func drainPending() async {
        while true {
            let batch = pending.withLock { pending -> [Operation] in
                let count = min(pending.count, maxBatch)
                let batch = Array(pending.prefix(count))
                pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            await flush(batch)
        }
    }

    /// Runs `statement`, again after a deadlock or serialization failure; logs and returns
    /// nil when it fails for good.
    private func attempt<Result: Sendable>(_ what: String, _ statement: () async throws -> Result) async -> Result? {
        var tries = 0
        while true {
            do {
                return try await statement()
            } catch let error as PostgresError where error.isRetryableTransactionFailure && tries < retries {
                tries += 1
            } catch {
                logger.error("\(what) failed: \(error)")
                return nil
            }
        }
    }

    private func flush(_ batch: [Operation]) async {
        var events: [JobQueue.NewEvent] = []
        var completions: [(JobQueue.Completion, @Sendable (GuardedWrite?) -> Void)] = []

        func flushEvents() async {
            guard !events.isEmpty else { return }
            let batch = events
            _ = await attempt("storing \(batch.count) events") { try await queue.appendEvents(batch) }
            events.removeAll()
        }
        func flushCompletions() async {
            guard !completions.isEmpty else { return }
            let batch = completions.map(\.0)
            let outcomes = await attempt("completing \(batch.count) jobs") { try await queue.complete(batch) }
            for (completion, reply) in completions { reply(outcomes.map { $0[completion.jobID] ?? .leaseLost }) }
            completions.removeAll()
        }

        for operation in batch {
            switch operation {
            case .event(let event):
                await flushCompletions()
                events.append(event)
            case .complete(let completion, let reply):
                await flushEvents()
                completions.append((completion, reply))
            case .single(let jobID, let write):
                await flushEvents()
                await flushCompletions()
                do {
                    try await write(queue)
                } catch {
                    logger.error("a write for a job failed", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
                }
            }
        }
        await flushEvents()
        await flushCompletions()
    }
}
