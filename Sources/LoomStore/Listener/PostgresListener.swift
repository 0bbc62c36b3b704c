import CPostgres
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// LISTEN/NOTIFY on a connection and a thread of its own.
///
/// When the connection breaks (a server restart, a terminated backend, a network fault) the
/// listener reconnects with backoff and LISTENs again. Notifications sent while it was away
/// are lost — PostgreSQL does not queue them for absent listeners — so it then yields
/// `.resync`: the consumer must re-read the state it follows. It does the same when the
/// consumer falls so far behind that the bounded buffer dropped notifications.
public final class PostgresListener: Sendable {
    public enum Event: Sendable, Equatable {
        /// The first LISTEN is in place: from here on nothing is missed without a `.resync`.
        case ready
        case notification(channel: String, payload: String)
        /// Notifications may have been missed; re-read state.
        case resync(reason: String)
    }

    public struct Configuration: Sendable {
        public var url: String
        public var channels: [String]
        /// The most events held for a slow consumer before `.resync` replaces what was dropped.
        public var bufferLimit: Int = 10_000
        public var reconnectDelay: Duration = .milliseconds(100)
        public var maxReconnectDelay: Duration = .seconds(5)

        public init(url: String, channels: [String]) {
            self.url = url
            self.channels = channels
        }
    }

    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let stopping = Atomic<Bool>(false)
    private let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(configuration.bufferLimit))
        let thread = Thread { [self] in run() }
        thread.name = "loom-pg-listen"
        thread.start()
        continuation.onTermination = { [weak self] _ in self?.stop() }
    }

    /// Ends the listener: its thread closes the connection within a poll interval.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func run() {
        var everConnected = false
        var missed = false
        var delay = configuration.reconnectDelay
        while !isStopping {
            guard let connection = connect() else {
                sleep(for: delay)
                delay = min(delay * 2, configuration.maxReconnectDelay)
                continue
            }
            delay = configuration.reconnectDelay
            if everConnected {
                missed = !deliver(.resync(reason: "reconnected to PostgreSQL"))
            } else {
                everConnected = true
                missed = !deliver(.ready)
            }
            listen(on: connection, missed: &missed)
            PQfinish(connection)
        }
        continuation.finish()
    }

    /// Opens a connection and LISTENs on every channel; nil when either fails.
    private func connect() -> OpaquePointer? {
        guard let connection = PQconnectdb(configuration.url) else { return nil }
        guard PQstatus(connection) == CONNECTION_OK else {
            PQfinish(connection)
            return nil
        }
        for channel in configuration.channels {
            // Channel names are identifiers, which cannot be bound parameters: quote them.
            guard let quoted = PQescapeIdentifier(connection, channel, channel.utf8.count) else {
                PQfinish(connection)
                return nil
            }
            let statement = "LISTEN " + String(cString: quoted)
            PQfreemem(quoted)
            let result = PQexec(connection, statement)
            let ok = PQresultStatus(result) == PGRES_COMMAND_OK
            PQclear(result)
            guard ok else {
                PQfinish(connection)
                return nil
            }
        }
        return connection
    }

    /// Delivers notifications until the connection breaks or the listener stops.
    private func listen(on connection: OpaquePointer, missed: inout Bool) {
        let socket = PQsocket(connection)
        while !isStopping {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno != EINTR { return }
            if ready > 0 {
                guard PQconsumeInput(connection) == 1 else { return }
            }
            while let notification = PQnotifies(connection) {
                let event = Event.notification(
                    channel: String(cString: notification.pointee.relname),
                    payload: String(cString: notification.pointee.extra)
                )
                PQfreemem(notification)
                if missed {
                    missed = !deliver(.resync(reason: "events were dropped while the consumer was behind"))
                }
                if !deliver(event) { missed = true }
            }
            if PQstatus(connection) != CONNECTION_OK { return }
        }
    }

    /// False when the buffer was full and the event was dropped.
    private func deliver(_ event: Event) -> Bool {
        switch continuation.yield(event) {
        case .enqueued: true
        case .dropped, .terminated: false
        @unknown default: false
        }
    }

    private func sleep(for duration: Duration) {
        var remaining = duration
        let step = Duration.milliseconds(50)
        while remaining > .zero && !isStopping {
            let nap = min(step, remaining)
            usleep(UInt32(nap.seconds * 1_000_000))
            remaining -= nap
        }
    }
}
