import Foundation
import HummingbirdWebSocket
import Logging
import LoomStore
import LoomWire
import ServiceLifecycle
import Synchronization

/// Fans stored job events out to the live streams of this process.
///
/// One per coordinator process. It LISTENs on `loom_events` on one connection of its own
/// (every INSERT into job_events of a followed job, by any coordinator, sends
/// `JOB_ID:LAST_SEQ`, followed by the events themselves when they fit in a notification;
/// migrations 0006 and 0008). A job is followed from its first subscriber's arrival on:
/// reading its baseline follows it (`StreamSQL.follow`). For a job with
/// subscribers, events that carry on from the last one fanned out are encoded once and
/// handed to each subscriber in order, straight from the notification. Otherwise (they did
/// not fit, or some are missing) it reads that job's new events once — one query per job
/// per notification, however many subscribers. Per job it keeps the last seq fanned out,
/// so notifications that are late, repeated or merged lose nothing; after a lost listener
/// connection (`.resync`) it reads every followed job again from there.
///
/// A subscriber is made before its client's history is read (`StreamSession`): everything
/// after the job's `lastSeq` at that moment reaches it live, everything up to it was already
/// stored, and the client drops what it got twice by seq.
public final class JobEventHub: Service, Sendable {
    public let configuration: StreamConfiguration
    public let metrics = StreamMetrics()
    let queue: JobQueue
    private let databaseURL: String
    private let logger: Logger
    private let state = Mutex(State())

    private struct Channel {
        var subscribers: [UInt64: StreamSubscription] = [:]
        /// The last seq fanned out; nil until the job's baseline has been read.
        var lastSeq: Int64?
        /// A read of new events is under way (at most one per job: that keeps them in order).
        var fetching = false
        /// Another read is due when the current one ends (or once the baseline is known).
        var wanted = false
        var baselineWaiters: [CheckedContinuation<Int64?, Never>] = []
    }

    private struct State {
        var channels: [UUID: Channel] = [:]
        var nextID: UInt64 = 0
        var clients = 0
        var stopped = false
    }

    public enum SubscribeError: Error, Sendable {
        case tooManyClientsForJob, tooManyClients, stopped
    }

    public init(queue: JobQueue, databaseURL: String, configuration: StreamConfiguration = StreamConfiguration(),
                logger: Logger = Logger(label: "loom.stream")) {
        self.queue = queue
        self.databaseURL = databaseURL
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: Subscribers

    /// Whether one more client of `job` would be accepted now.
    func hasRoom(for job: UUID) -> Bool {
        state.withLock { state in
            !state.stopped && state.clients < configuration.maxClients
                && (state.channels[job]?.subscribers.count ?? 0) < configuration.maxClientsPerJob
        }
    }

    /// Subscribers of `job` in this process.
    public func subscriberCount(of job: UUID) -> Int {
        state.withLock { $0.channels[job]?.subscribers.count ?? 0 }
    }

    /// Where the hub is with `job`: the last seq fanned out (nil while the job's baseline is
    /// being read) and whether a read of its events is under way; nil when no client of this
    /// process follows the job.
    public func progress(of job: UUID) -> (lastSeq: Int64?, reading: Bool)? {
        state.withLock { state in state.channels[job].map { ($0.lastSeq, $0.fetching) } }
    }

    func subscribe(to job: UUID) throws(SubscribeError) -> StreamSubscription {
        let (subscription, isNew) = try state.withLock { state throws(SubscribeError) -> (StreamSubscription, Bool) in
            guard !state.stopped else { throw .stopped }
            guard state.clients < configuration.maxClients else { throw .tooManyClients }
            let isNew = state.channels[job] == nil
            var channel = state.channels[job] ?? Channel()
            guard channel.subscribers.count < configuration.maxClientsPerJob else { throw .tooManyClientsForJob }
            state.nextID += 1
            let subscription = StreamSubscription(
                id: state.nextID, jobID: job, coveredAfter: channel.lastSeq, limit: configuration.clientBuffer)
            channel.subscribers[subscription.id] = subscription
            state.channels[job] = channel
            state.clients += 1
            return (subscription, isNew)
        }
        metrics.add(.connected)
        metrics.add(.accepted)
        if isNew { Task { await readBaseline(of: job) } }
        return subscription
    }

    /// Removes a subscriber (any number of times); the job is forgotten with its last one.
    func unsubscribe(_ subscription: StreamSubscription) {
        // A subscriber dropped for overflow was already removed (and counted) by `fetch`.
        let (removed, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Int64?, Never>]) in
            guard var channel = state.channels[subscription.jobID],
                channel.subscribers.removeValue(forKey: subscription.id) != nil
            else { return (false, []) }
            state.clients -= 1
            if channel.subscribers.isEmpty {
                state.channels[subscription.jobID] = nil
                return (true, channel.baselineWaiters)
            }
            state.channels[subscription.jobID] = channel
            return (true, [])
        }
        if subscription.endReason == nil { subscription.end(.closed) }
        if removed { metrics.add(.connected, -1) }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// For a subscription made before its job's baseline was known: the baseline, once it
    /// is (nil when the job is no longer followed). Everything after it reaches the
    /// subscription live; the client must have read the history up to it.
    func baseline(for subscription: StreamSubscription) async -> Int64? {
        if let covered = subscription.coveredAfter { return covered }
        return await withCheckedContinuation { continuation in
            state.withLock { state in
                guard var channel = state.channels[subscription.jobID], channel.subscribers[subscription.id] != nil else {
                    continuation.resume(returning: nil)
                    return
                }
                if let last = channel.lastSeq {
                    continuation.resume(returning: last)
                } else {
                    channel.baselineWaiters.append(continuation)
                    state.channels[subscription.jobID] = channel
                }
            }
        }
    }

    // MARK: Notifications

    /// `loom_events` said job `job` stored events up to `seq` (nil: some, unknown which), and
    /// sent `events` along when they fitted.
    func notified(job: UUID, seq: Int64?, events: [Notification.Event]? = nil) {
        // Encoded before the lock is taken; used only if they carry on from the last seq.
        let messages = events.map { events in
            events.map { StreamMessage(seq: $0.seq, type: $0.type, payload: $0.payload, createdAt: $0.createdAt, jobID: job) }
        }
        let (start, fanned) = state.withLock { state -> (Bool, FanOut?) in
            guard var channel = state.channels[job] else { return (false, nil) }
            if let seq, let last = channel.lastSeq, seq <= last { return (false, nil) }
            guard let last = channel.lastSeq, !channel.fetching else {
                channel.wanted = true
                state.channels[job] = channel
                return (false, nil)
            }
            if let messages, messages.first?.seq == last + 1, messages.count <= configuration.clientBuffer {
                let fanned = Self.fanOut(messages, after: last, to: &channel, clients: &state.clients)
                state.channels[job] = channel
                return (false, fanned)
            }
            channel.fetching = true
            state.channels[job] = channel
            return (true, nil)
        }
        if let fanned { record(fanned) }
        if start { Task { await fetch(job) } }
    }

    /// Notifications may have been lost: read every followed job again after its last seq.
    func resync() {
        metrics.add(.resynced)
        let jobs = state.withLock { Array($0.channels.keys) }
        for job in jobs { notified(job: job, seq: nil) }
    }

    /// A `loom_events` payload: `JOB_ID`, `JOB_ID:SEQ` or `JOB_ID:SEQ:EVENTS`, where EVENTS
    /// is a JSON array of `[seq, type, created_at in µs since 1970, payload]`. The events are
    /// parsed only for a job this process follows (`events()`).
    struct Notification {
        struct Event {
            var seq: Int64
            var type: String
            var createdAt: Date
            var payload: [String: Any]
        }
        var job: UUID
        var seq: Int64?
        var eventsJSON: Substring?

        /// Nil when the events did not come along, or could not be read (they are fetched).
        func events() -> [Event]? {
            guard let eventsJSON, let rows = try? JSONSerialization.jsonObject(with: Data(eventsJSON.utf8)) as? [[Any]] else { return nil }
            var events: [Event] = []
            for row in rows {
                guard row.count == 4, let seq = (row[0] as? NSNumber)?.int64Value, let type = row[1] as? String,
                      let micros = (row[2] as? NSNumber)?.int64Value, let payload = row[3] as? [String: Any]
                else { return nil }
                events.append(Event(seq: seq, type: type, createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), payload: payload))
            }
            return events
        }
    }

    /// Every coordinator reads every notification, most of them about jobs nobody here
    /// follows: the id and seq are read from the bytes, without Foundation's UUID parser
    /// (sscanf) or Character iteration.
    static func parse(_ payload: String) -> Notification? {
        let utf8 = payload.utf8
        let idEnd = utf8.firstIndex(of: UInt8(ascii: ":")) ?? utf8.endIndex
        guard let id = WireUUID(payload[..<idEnd]) else { return nil }
        let job = UUID(uuid: id.uuid)
        guard idEnd < utf8.endIndex else { return Notification(job: job, seq: nil, eventsJSON: nil) }
        let seqStart = utf8.index(after: idEnd)
        let seqEnd = utf8[seqStart...].firstIndex(of: UInt8(ascii: ":")) ?? utf8.endIndex
        let seq = Int64(payload[seqStart..<seqEnd])
        let events = seqEnd < utf8.endIndex ? payload[utf8.index(after: seqEnd)...] : nil
        return Notification(job: job, seq: seq, eventsJSON: events)
    }

    // MARK: Reading the store

    private func readBaseline(of job: UUID) async {
        var delay = Duration.milliseconds(50)
        while true {
            do {
                let seq = try await queue.pool.withConnection { connection in
                    try connection.query(StreamSQL.follow, [job]).first { row throws(PostgresError) in try row.decode(0, as: Int64.self) }
                }
                let (waiters, start) = state.withLock { state -> ([CheckedContinuation<Int64?, Never>], Bool) in
                    guard var channel = state.channels[job], channel.lastSeq == nil else { return ([], false) }
                    // An unknown (deleted) job has nothing more to send: 0 makes every
                    // client read its (empty) history and find the job gone.
                    let last = seq ?? 0
                    channel.lastSeq = last
                    let waiters = channel.baselineWaiters
                    channel.baselineWaiters = []
                    let start = channel.wanted && !channel.fetching
                    if start {
                        channel.fetching = true
                    }
                    state.channels[job] = channel
                    return (waiters, start)
                }
                for waiter in waiters { waiter.resume(returning: seq ?? 0) }
                if start { await fetch(job) }
                return
            } catch {
                logger.warning("stream: could not read a job's last seq", metadata: ["job_id": "\(job)", "error": "\(error)"])
                guard isFollowed(job) else { return }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private func isFollowed(_ job: UUID) -> Bool {
        state.withLock { !$0.stopped && $0.channels[job] != nil }
    }

    /// Reads the job's events after its last seq and fans them out, again while more were
    /// announced meanwhile. Only one runs per job (`Channel.fetching`).
    private func fetch(_ job: UUID) async {
        var delay = Duration.milliseconds(50)
        while true {
            let after = state.withLock { state -> Int64? in
                guard var channel = state.channels[job], let last = channel.lastSeq else { return nil }
                channel.wanted = false
                state.channels[job] = channel
                return last
            }
            guard let after else { return }
            let messages: [StreamMessage]
            let more: Bool
            do {
                // At most `clientBuffer` at a time: a subscriber's buffer then never holds
                // more than twice that (`StreamSubscription.offer`). The rest is read again.
                let events = try await queue.events(of: job, after: after)
                more = events.count > configuration.clientBuffer
                messages = events.prefix(configuration.clientBuffer).map { StreamMessage(event: $0, jobID: job) }
                metrics.add(.fetched)
                delay = .milliseconds(50)
            } catch {
                logger.warning("stream: could not read a job's events", metadata: ["job_id": "\(job)", "error": "\(error)"])
                guard isFollowed(job) else { return }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
                state.withLock { state in state.channels[job]?.wanted = true }
                continue
            }
            let (again, fanned) = state.withLock { state -> (Bool, FanOut) in
                guard var channel = state.channels[job] else { return (false, FanOut()) }
                defer { state.channels[job] = channel }
                let fanned = Self.fanOut(messages, after: channel.lastSeq ?? after, to: &channel, clients: &state.clients)
                if channel.wanted || more { return (true, fanned) }
                channel.fetching = false
                return (false, fanned)
            }
            record(fanned)
            guard again else { return }
        }
    }

    private struct FanOut {
        var messages = 0
        var dropped = 0
    }

    /// Hands the messages after `last` to every subscriber of `channel`, and makes the newest
    /// its last seq. Called under the state's lock, so that fan-outs of a job keep their order.
    private static func fanOut(_ messages: [StreamMessage], after last: Int64, to channel: inout Channel, clients: inout Int) -> FanOut {
        let fresh = messages.filter { $0.seq > last }
        guard let newest = fresh.last?.seq else { return FanOut() }
        channel.lastSeq = newest
        var dropped = 0
        for (id, subscriber) in channel.subscribers where !subscriber.offer(fresh) {
            // Too slow: its writer sees `.overflow` and closes the connection.
            channel.subscribers[id] = nil
            clients -= 1
            dropped += 1
        }
        return FanOut(messages: fresh.count * (channel.subscribers.count + dropped), dropped: dropped)
    }

    private func record(_ fanned: FanOut) {
        metrics.add(.fanned, fanned.messages)
        if fanned.dropped > 0 {
            metrics.add(.dropped, fanned.dropped)
            metrics.add(.connected, -fanned.dropped)
        }
    }

    // MARK: Service

    /// Listens until the task is cancelled or the service group shuts down; then ends every
    /// subscription with `.shutdown` (their clients are closed with 1001).
    public func run() async throws {
        let listener = PostgresListener(.init(url: databaseURL, channels: ["loom_events"]))
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                for await event in listener.events {
                    switch event {
                    case .ready:
                        // Anything stored before LISTEN was in place is read now.
                        resync()
                    case .resync(let reason):
                        logger.info("stream: reading every followed job again", metadata: ["reason": "\(reason)"])
                        resync()
                    case .notification(_, let payload):
                        metrics.add(.notified)
                        guard let parsed = Self.parse(payload) else {
                            logger.warning("stream: unreadable loom_events payload", metadata: ["payload": "\(payload)"])
                            continue
                        }
                        guard isFollowed(parsed.job) else { continue }
                        notified(job: parsed.job, seq: parsed.seq, events: parsed.events())
                    }
                }
            } onCancel: {
                listener.stop()
            }
        } onGracefulShutdown: {
            listener.stop()
        }
        stop()
    }

    /// Ends every subscription; no new ones are accepted.
    func stop() {
        let (subscribers, waiters) = state.withLock { state in
            state.stopped = true
            let subscribers = state.channels.values.flatMap { $0.subscribers.values }
            let waiters = state.channels.values.flatMap(\.baselineWaiters)
            for job in state.channels.keys { state.channels[job]?.baselineWaiters = [] }
            return (subscribers, waiters)
        }
        for subscriber in subscribers { subscriber.end(.shutdown) }
        for waiter in waiters { waiter.resume(returning: nil) }
    }
}

extension JobEventHub {
    /// The server's WebSocket settings for the stream: pings while idle, a bounded close.
    public var webSocketConfiguration: WebSocketServerConfiguration {
        .init(maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: configuration.pingInterval), closeTimeout: configuration.closeTimeout)
    }
}
