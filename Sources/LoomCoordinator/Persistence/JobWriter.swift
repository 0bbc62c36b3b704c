import Foundation
import Logging
import LoomStore
import Synchronization

/// Every write workers make on jobs goes through here. A job's writes keep the order they
/// arrived in (its events are stored before its completion ends its lease): each job
/// belongs to one of `lanes` lanes by its id, and each lane flushes in groups. While one
/// flush runs, the next writes gather, and runs of events go to PostgreSQL as one
/// statement. Lanes flush side by side on their own connections, so one slow statement (a
/// large chunk, an ingestion's completion) holds up only its lane.
///
/// A completion is a job's last write. Once its lane has stored what came before it, the
/// lane hands it to `completions`, which every lane shares: one statement completes the
/// jobs of all lanes (group commit). A statement has a fixed cost of 0.6–0.8 ms of
/// PostgreSQL's CPU (executor start, triggers, commit, round trip); with a group per lane,
/// bench completions went 38 to a statement, and 87 with one group for both lanes.
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

    typealias PendingCompletion = (completion: JobQueue.Completion, reply: @Sendable (GuardedWrite?) -> Void)

    private let lanes: [GroupFlusher<Operation>]
    private let completions: GroupFlusher<PendingCompletion>

    init(queue: JobQueue, lanes: Int, maxBatch: Int, logger: Logger) {
        let completions = GroupFlusher<PendingCompletion>(maxBatch: maxBatch) { batch in
            let outcomes = await retryingConflicts("completing \(batch.count) jobs", logger) {
                try await queue.complete(batch.map(\.completion))
            }
            for (completion, reply) in batch { reply(outcomes.map { $0[completion.jobID] ?? .leaseLost }) }
        }
        self.completions = completions
        self.lanes = (0..<max(1, lanes)).map { _ in
            GroupFlusher<Operation>(maxBatch: maxBatch) { batch in
                await flushLane(batch, queue: queue, completions: completions, logger: logger)
            }
        }
    }

    func submit(_ operation: Operation) {
        lanes[Int(UInt(bitPattern: operation.jobID.hashValue) % UInt(lanes.count))].submit(operation)
    }

    /// Flushes until `finish()`; what is pending then is flushed before returning: the
    /// lanes first, then the completions they handed over.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.completions.run() }
            await withDiscardingTaskGroup { laneGroup in
                for lane in lanes { laneGroup.addTask { await lane.run() } }
            }
            completions.finish()
        }
    }

    func finish() {
        for lane in lanes { lane.finish() }
    }
}

/// One lane's group of writes, in order: runs of events become one statement; a completion
/// goes to the shared group once the events before it are stored; anything else runs on
/// its own, after what came before it.
private func flushLane(
    _ batch: [JobWriter.Operation], queue: JobQueue, completions: GroupFlusher<JobWriter.PendingCompletion>, logger: Logger
) async {
    var events: [JobQueue.NewEvent] = []
    func flushEvents() async {
        guard !events.isEmpty else { return }
        let batch = events
        _ = await retryingConflicts("storing \(batch.count) events", logger) { try await queue.appendEvents(batch) }
        events.removeAll()
    }
    for operation in batch {
        switch operation {
        case .event(let event):
            events.append(event)
        case .complete(let completion, let reply):
            await flushEvents()
            completions.submit((completion, reply))
        case .single(let jobID, let write):
            await flushEvents()
            do {
                try await write(queue)
            } catch {
                logger.error("a write for a job failed", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            }
        }
    }
    await flushEvents()
}

/// Runs `statement`, again after a deadlock or serialization failure (at most 3 times more);
/// logs and returns nil when it fails for good.
private func retryingConflicts<Result: Sendable>(
    _ what: String, _ logger: Logger, _ statement: () async throws -> Result
) async -> Result? {
    var tries = 0
    while true {
        do {
            return try await statement()
        } catch let error as PostgresError where error.isRetryableTransactionFailure && tries < 3 {
            tries += 1
        } catch {
            logger.error("\(what) failed: \(error)")
            return nil
        }
    }
}

/// A queue of items flushed in groups by one loop: while a flush runs, the next items
/// gather, and the next flush takes them all (at most `maxBatch`).
private final class GroupFlusher<Item: Sendable>: Sendable {
    private let maxBatch: Int
    private let flush: @Sendable ([Item]) async -> Void
    private let pending = Mutex<[Item]>([])
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(maxBatch: Int, flush: @escaping @Sendable ([Item]) async -> Void) {
        self.maxBatch = maxBatch
        self.flush = flush
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func submit(_ item: Item) {
        pending.withLock { $0.append(item) }
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
            let batch = pending.withLock { pending -> [Item] in
                let count = min(pending.count, maxBatch)
                let batch = Array(pending.prefix(count))
                pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            await flush(batch)
        }
    }
}
