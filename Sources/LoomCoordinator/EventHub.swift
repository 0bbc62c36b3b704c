import Foundation
import LoomStore
import Synchronization

/// Fan-out of "job X has new events": the hook the HTTP layer's WebSocket streams
/// subscribe to. A notice carries no event: subscribers read `JobQueue.events(of:after:)`
/// from their last sequence number, so a notice that is late, repeated or merged with
/// another loses nothing. Notices come from this coordinator's own writes and, through
/// NOTIFY on `loom_events`, from every other coordinator's.
public final class EventHub: Sendable {
    public struct Notice: Sendable, Hashable {
        public var jobID: UUID
    }

    private struct State {
        var subscribers: [UInt64: AsyncStream<Notice>.Continuation] = [:]
        var next: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Jobs whose notices still have to be sent on `loom_events`.
    private let toNotify = Mutex<Set<UUID>>([])
    private let bufferLimit: Int

    public init(bufferLimit: Int = 4_096) {
        self.bufferLimit = bufferLimit
    }

    /// Notices from now on. A subscriber that falls `bufferLimit` notices behind loses the
    /// oldest; it re-reads the jobs it follows when it catches up, as on any notice.
    public func subscribe() -> AsyncStream<Notice> {
        let (stream, continuation) = AsyncStream.makeStream(of: Notice.self, bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            state.next += 1
            state.subscribers[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// `notify`: also tell other coordinators (the jobs are sent on `loom_events` later).
    func publish(_ jobs: [UUID], notify: Bool) {
        guard !jobs.isEmpty else { return }
        if notify { toNotify.withLock { $0.formUnion(jobs) } }
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers {
            for job in jobs { subscriber.yield(Notice(jobID: job)) }
        }
    }

    /// The jobs to NOTIFY about since the last call.
    func takeNotifications() -> [UUID] {
        toNotify.withLock { jobs in
            defer { jobs.removeAll() }
            return Array(jobs)
        }
    }
}
