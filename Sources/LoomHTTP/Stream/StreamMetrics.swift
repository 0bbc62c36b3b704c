import Synchronization

/// Counters of the live stream, for the metrics endpoint to export (plain atomics: this
/// module does not bootstrap a metrics system).
public final class StreamMetrics: Sendable {
    /// Stream clients connected now.
    public var clients: Int { connected.load(ordering: .relaxed) }
    /// Stream clients accepted since the process started.
    public var clientsAccepted: Int { accepted.load(ordering: .relaxed) }
    /// Clients closed because they fell `clientBuffer` messages behind.
    public var clientsDropped: Int { dropped.load(ordering: .relaxed) }
    /// `loom_events` notifications received.
    public var notifications: Int { notified.load(ordering: .relaxed) }
    /// Queries that read new events of a job for its subscribers (one per job per round,
    /// however many subscribers it has).
    public var fetches: Int { fetched.load(ordering: .relaxed) }
    /// Messages handed to subscribers (one per event per subscriber): the fan-out.
    public var fannedOut: Int { fanned.load(ordering: .relaxed) }
    /// Messages written to WebSockets, history included.
    public var messagesSent: Int { sent.load(ordering: .relaxed) }
    /// Times every followed job was read again (a lost listener connection, a full buffer).
    public var resyncs: Int { resynced.load(ordering: .relaxed) }

    let connected = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let notified = Atomic<Int>(0)
    let fetched = Atomic<Int>(0)
    let fanned = Atomic<Int>(0)
    let sent = Atomic<Int>(0)
    let resynced = Atomic<Int>(0)

    init() {}

    enum Counter {
        case connected, accepted, dropped, notified, fetched, fanned, sent, resynced
    }

    func add(_ counter: Counter, _ amount: Int = 1) {
        switch counter {
        case .connected: connected.add(amount, ordering: .relaxed)
        case .accepted: accepted.add(amount, ordering: .relaxed)
        case .dropped: dropped.add(amount, ordering: .relaxed)
        case .notified: notified.add(amount, ordering: .relaxed)
        case .fetched: fetched.add(amount, ordering: .relaxed)
        case .fanned: fanned.add(amount, ordering: .relaxed)
        case .sent: sent.add(amount, ordering: .relaxed)
        case .resynced: resynced.add(amount, ordering: .relaxed)
        }
    }
}
