import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A bounded pool of libpq connections, each on a thread of its own.
///
/// Callers hand the pool a synchronous closure; it runs on a free connection's thread while
/// the caller's task is suspended, so blocking libpq calls never occupy Swift's cooperative
/// threads. A whole transaction runs as one closure: one thread hop, however many statements.
public final class PostgresPool: Sendable {
    public struct Configuration: Sendable {
        /// A libpq connection string or URL.
        public var url: String
        /// The most connections open at once; callers beyond it wait their turn.
        public var size: Int
        /// How many times a transaction that hit a serialization failure or a deadlock is run again.
        public var transactionRetries: Int
        /// Sent as `application_name`, shown in pg_stat_activity.
        public var applicationName: String

        public init(url: String, size: Int = 4, transactionRetries: Int = 8, applicationName: String = "loom") {
            self.url = url
            self.size = size
            self.transactionRetries = transactionRetries
            self.applicationName = applicationName
        }
    }

    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    private struct State {
        var free: [Int]
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Int, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
    }

    public let configuration: Configuration
    private let slots: [Slot]
    private let state: Mutex<State>

    public init(_ configuration: Configuration) {
        precondition(configuration.size > 0, "a pool needs at least one connection")
        self.configuration = configuration
        slots = (0..<configuration.size).map { Slot(name: "loom-pg-\($0)") }
        state = Mutex(State(free: Array((0..<configuration.size).reversed())))
    }

    /// A pool dropped without `close()` still ends its threads and connections.
    deinit {
        for slot in slots {
            slot.thread.submit { slot.disconnect() }
            slot.thread.stop()
        }
    }

    /// Runs `body` with a connection of the pool, on that connection's thread.
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let index = try await acquire()
        defer { release(index) }
        let slot = slots[index]
        let conninfo = connectionString
        return try await slot.thread.run {
            try slot.use(conninfo: conninfo, body)
        }
    }

    /// Runs `body` inside BEGIN … COMMIT. A serialization failure or deadlock (SQLSTATE
    /// 40001, 40P01) rolls back and runs `body` again, up to `transactionRetries` times, so
    /// `body` must have no effect outside the database. Any other error rolls back and is thrown.
    public func transaction<Result: Sendable>(
        isolation: IsolationLevel = .readCommitted,
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let retries = configuration.transactionRetries
        return try await withConnection { connection in
            try Self.runTransaction(on: connection, isolation: isolation, retries: retries, body)
        }
    }

    static func runTransaction<Result>(
        on connection: PostgresConnection,
        isolation: IsolationLevel,
        retries: Int,
        _ body: (PostgresConnection) throws -> Result
    ) throws -> Result {
        var attempt = 0
        while true {
            do {
                try connection.execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
                let result = try body(connection)
                try connection.execute("COMMIT")
                return result
            } catch {
                if connection.isHealthy, connection.isInTransaction {
                    try? connection.execute("ROLLBACK")
                }
                guard let postgresError = error as? PostgresError, postgresError.isRetryableTransactionFailure,
                    attempt < retries
                else { throw error }
                attempt += 1
                // Full jitter, 1 ms doubling to at most 64 ms: competing transactions spread out.
                let ceiling = UInt32(1_000 << min(attempt, 6))
                usleep(UInt32.random(in: 0...ceiling))
            }
        }
    }

    /// Closes every connection once the work in hand is done; later calls throw.
    public func close() async {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(kind: .usage, message: "the connection pool is closed"))
        }
        for slot in slots {
            _ = try? await slot.thread.run { slot.disconnect() }
        }
    }

    private var connectionString: String {
        let separator = configuration.url.contains("://") ? (configuration.url.contains("?") ? "&" : "?") : " "
        let setting = configuration.url.contains("://")
            ? "application_name=\(configuration.applicationName)"
            : "application_name='\(configuration.applicationName)'"
        return configuration.url + separator + setting
    }

    /// True when called on one of the pool's connection threads.
    var isOnConnectionThread: Bool {
        slots.contains { $0.thread.isCurrent }
    }

    private func acquire() async throws -> Int {
        enum Outcome { case slot(Int), wait(UInt64), closed }
        let outcome: Outcome = state.withLock { state in
            if state.closed { return .closed }
            if let index = state.free.popLast() { return .slot(index) }
            state.nextWaiterID += 1
            return .wait(state.nextWaiterID)
        }
        switch outcome {
        case .slot(let index):
            return index
        case .closed:
            throw PostgresError(kind: .usage, message: "the connection pool is closed")
        case .wait(let id):
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    // A connection released since the first look went to the free list (there
                    // was no waiter yet): take it rather than wait for the next release.
                    let outcome: Result<Int, any Error>? = state.withLock { state in
                        guard !state.closed else { return .failure(PostgresError(kind: .usage, message: "the connection pool is closed")) }
                        if let index = state.free.popLast() { return .success(index) }
                        state.waiters.append((id, continuation))
                        return nil
                    }
                    if let outcome { continuation.resume(with: outcome) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Int, any Error>? in
                    guard let position = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: position).continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }

    private func release(_ index: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, any Error>? in
            if state.waiters.isEmpty {
                state.free.append(index)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: index)
    }
}

/// One pooled connection and the thread it lives on. `connection` is touched only on
/// `thread`, which is what makes the unchecked Sendable conformance sound.
private final class Slot: @unchecked Sendable {
    let thread: ConnectionThread
    private var connection: PostgresConnection?

    init(name: String) {
        thread = ConnectionThread(name: name)
    }

    func use<Result>(conninfo: String, _ body: (PostgresConnection) throws -> Result) throws -> Result {
        let connection = try connected(conninfo)
        do {
            let result = try body(connection)
            if connection.isInTransaction {
                // A closure that left a transaction open must not leak it to the next caller.
                try? connection.execute("ROLLBACK")
            }
            return result
        } catch {
            if !connection.isHealthy {
                self.connection = nil
            } else if connection.isInTransaction {
                try? connection.execute("ROLLBACK")
            }
            throw error
        }
    }

    func disconnect() {
        connection = nil
    }

    private func connected(_ conninfo: String) throws -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        connection = nil
        let fresh = try PostgresConnection(conninfo)
        connection = fresh
        return fresh
    }
}
