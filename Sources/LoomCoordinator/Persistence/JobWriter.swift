import Foundation
import Logging
import LoomStore
import Synchronization

/// Every write workers make on jobs goes through here, in the order it arrived, and is
/// flushed in groups: while one flush runs, the next writes gather, and runs of events or
/// completions go to PostgreSQL as one statement each (group commit). Keeping one order
/// for all writes means a job's events are stored before its completion ends its lease.
final class JobWriter: Sendable {
    enum Operation: Sendable {
        case event(JobQueue.NewEvent)
        case complete(JobQueue.Completion, reply: @Sendable (GuardedWrite) -> Void)
        /// Anything else, one statement or transaction of its own.
        case single(jobID: UUID, @Sendable (JobQueue) async throws -> Void)
    }

    private let queue: JobQueue
    private let hub: EventHub
    private let logger: Logger
    private let maxBatch: Int
    private let pending = Mutex<[Operation]>([])
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(queue: JobQueue, hub: EventHub, maxBatch: Int, logger: Logger) {
        self.queue = queue
        self.hub = hub
        self.maxBatch = maxBatch
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func submit(_ operation: Operation) {
        pending.withLock { $0.append(operation) }
        wake.yield()
    }

    /// Flushes until cancelled; what is pending at the end is flushed before returning.
    func run() async {
        for await _ in wakes {
            await drainPending()
            if Task.isCancelled { break }
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

    private func flush(_ batch: [Operation]) async {
        var touched = Set<UUID>()
        var events: [JobQueue.NewEvent] = []
        var completions: [(JobQueue.Completion, @Sendable (GuardedWrite) -> Void)] = []

        func flushEvents() async {
            guard !events.isEmpty else { return }
            do {
                try await queue.appendEvents(events)
            } catch {
                logger.error("storing \(events.count) events failed: \(error)")
            }
            events.removeAll()
        }
        func flushCompletions() async {
            guard !completions.isEmpty else { return }
            do {
                let outcomes = try await queue.complete(completions.map(\.0))
                for (completion, reply) in completions { reply(outcomes[completion.jobID] ?? .leaseLost) }
            } catch {
                logger.error("completing \(completions.count) jobs failed: \(error)")
            }
            completions.removeAll()
        }

        for operation in batch {
            switch operation {
            case .event(let event):
                await flushCompletions()
                events.append(event)
                touched.insert(event.jobID)
            case .complete(let completion, let reply):
                await flushEvents()
                completions.append((completion, reply))
                touched.insert(completion.jobID)
            case .single(let jobID, let write):
                await flushEvents()
                await flushCompletions()
                do {
                    try await write(queue)
                } catch {
                    logger.error("write on job \(jobID) failed: \(error)")
                }
                touched.insert(jobID)
            }
        }
        await flushEvents()
        await flushCompletions()
        hub.publish(Array(touched), notify: true)
    }
}
