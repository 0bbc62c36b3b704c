import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LoomHTTP
import LoomStore
import NIOWebSocket
import Synchronization
import Testing

// Support for tests against a real server: a migrated PostgreSQL database of the test's
// own, the API on a free loopback port, users with tokens, a fake worker that writes job
// events the way a real one does (a lease, then JobQueue writes), and WebSocket clients.

/// The throwaway PostgreSQL server that scripts/test starts (scripts/pg) and names in
/// DATABASE_URL. Tests that need it fail with a clear message when it is missing.
enum TestDatabase {
    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
                throw MissingDatabase()
            }
            return url
        }
    }

    struct MissingDatabase: Error, CustomStringConvertible {
        var description: String {
            "DATABASE_URL is not set: run scripts/test, or `scripts/pg start DIR` and export the URL it prints"
        }
    }

    /// A new database with Loom's schema (each test its own, so tests run in parallel), and
    /// a pool on it.
    static func makeMigrated(poolSize: Int = 4) async throws -> PostgresPool {
        let base = try url
        let name = "loom_http_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        // CREATE DATABASE takes no parameters; the name is ours and made of [a-z0-9_].
        try PostgresConnection(base).execute("CREATE DATABASE \(name)")
        var components = URLComponents(string: base)!
        components.path = "/" + name
        let pool = PostgresPool(.init(url: components.string!, size: poolSize))
        try await Migrator.bundled().migrate(pool)
        return pool
    }
}

/// The API running on 127.0.0.1 on a free port, until `stop()`.
final class LiveServer: Sendable {
    let server: APIServer
    let port: Int
    private let task: Task<Void, any Error>

    private init(server: APIServer, port: Int, task: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.task = task
    }

    static func start(
        pool: PostgresPool, configuration: APIConfiguration = APIConfiguration(),
        stream: StreamConfiguration = StreamConfiguration()
    ) async throws -> LiveServer {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let server = APIServer(configuration: configuration, services: APIServices(pool: pool), stream: stream)
        var logger = Logger(label: "loom.http.test")
        // Cancelling the server logs errors about channels it closes: not the test's business.
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = server.application(logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task {
            defer { continuation.finish() }
            try await app.runService()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            _ = try await task.value
            throw ServerDidNotStart()
        }
        return LiveServer(server: server, port: port, task: task)
    }

    struct ServerDidNotStart: Error {}

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    var hub: JobEventHub { server.events }
    var services: APIServices { server.services }

    /// An HTTP client of this server, for the duration of `body`.
    func withHTTP<Value: Sendable>(_ body: @escaping @Sendable (TestClient) async throws -> Value) async throws -> Value {
        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30)), operation: body)
    }

    func streamURL(job: UUID, after: Int64? = nil, token: String? = nil) -> String {
        var query: [String] = []
        if let after { query.append("after=\(after)") }
        if let token { query.append("token=\(token)") }
        return "ws://127.0.0.1:\(port)/api/workflows/\(job.uuidString.lowercased())/stream"
            + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}

/// A migrated database and a server on it for the duration of `body`; both stopped after.
func withServer<Value>(
    stream: StreamConfiguration = StreamConfiguration(), _ body: (LiveServer) async throws -> Value
) async throws -> Value {
    let pool = try await TestDatabase.makeMigrated()
    let server = try await LiveServer.start(pool: pool, stream: stream)
    do {
        let value = try await body(server)
        await server.stop()
        await pool.close()
        return value
    } catch {
        await server.stop()
        await pool.close()
        throw error
    }
}

/// A user and their token.
func makeUser(_ services: APIServices, credits: Int64 = 1_000) async throws -> (User, token: String) {
    try await services.users.create(name: "user-\(UUID().uuidString.prefix(8))", credits: credits)
}

/// Writes a job's events as a worker does: it takes the lease, then every write carries the
/// lease's fencing token (`JobQueue.appendEvents`, `complete`, `fail`).
struct FakeWorker {
    let queue: JobQueue
    let id = UUID()

    /// Submits a job for `user` and leases it (the test's database holds no other queued job).
    func startJob(for user: UUID) async throws -> JobLease {
        let job = UUID()
        try await queue.submit(JobSubmission(id: job, userID: user, kind: .workflow))
        let leases = try await queue.lease(worker: id, limit: 1)
        return try #require(leases.first { $0.jobID == job })
    }

    /// Node progress events `first...first+count-1`, in one statement. `padding` bytes of
    /// filler make the messages large.
    @discardableResult
    func emit(_ lease: JobLease, count: Int, first: Int = 0, padding: Int = 0) async throws -> [Int64] {
        let filler = padding > 0 ? String(repeating: "x", count: padding) : nil
        let events = (first..<(first + count)).map { index in
            var payload: [String: String] = ["node_id": "node-\(index % 7)", "status": "running", "step": "\(index)"]
            if let filler { payload["filler"] = filler }
            return JobQueue.NewEvent(
                jobID: lease.jobID, token: lease.token, type: "node_progress",
                payload: try! JSONB(encoding: payload))
        }
        return try await queue.appendEvents(events)[lease.jobID] ?? []
    }

    func complete(_ lease: JobLease) async throws {
        #expect(try await queue.complete(jobID: lease.jobID, token: lease.token, cost: 0) == .applied)
    }
}

/// A message of the stream as a client reads it.
struct StreamEvent: Decodable, Sendable, Hashable {
    var type: String
    var job_id: String
    var node_id: String?
    var status: String?
    var progress: Double?
    var seq: Int64
    var timestamp: String
}

/// What a client got: the messages in order and the server's close frame.
struct ReceivedStream: Sendable {
    var messages: [StreamEvent]
    var closeCode: WebSocketErrorCode?
    var closeReason: String?
    var seqs: [Int64] { messages.map(\.seq) }
}

/// Connects to a stream and reads until the server closes it, or until `leaveAfter`
/// messages (then the client closes). `beforeReading` runs once connected, before anything
/// is read: a client that does not read meanwhile is a slow client. A stream that has not
/// ended after `limit` throws `StreamDidNotEnd`, saying how far it got (a bound against
/// hanging, never a measurement). A refused handshake throws `StreamClient.Refused`.
func readStream(
    _ url: String, token: String? = nil, leaveAfter: Int? = nil, limit: Duration = .seconds(60),
    beforeReading: (@Sendable () async -> Void)? = nil
) async throws -> ReceivedStream {
    let progress = Progress()
    let reading = Task {
        let ending = try await StreamClient.read(
            url, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [], beforeReading: beforeReading,
            onUpgrade: { progress.upgraded.store(true, ordering: .relaxed) }
        ) { text in
            let count = progress.texts.withLock { texts in
                texts.append(text)
                return texts.count
            }
            return leaveAfter.map { count < $0 } ?? true
        }
        return ReceivedStream(
            messages: try progress.texts.withLock { $0 }.map { try JSONDecoder().decode(StreamEvent.self, from: Data($0.utf8)) },
            closeCode: ending.closeCode, closeReason: ending.closeReason)
    }
    guard let stream = try await value(of: reading, within: limit) else {
        reading.cancel()
        throw StreamDidNotEnd(
            url: url, upgraded: progress.upgraded.load(ordering: .relaxed), received: progress.texts.withLock { $0.count })
    }
    return stream
}

private final class Progress: Sendable {
    let upgraded = Atomic<Bool>(false)
    let texts = Mutex<[String]>([])
}

struct StreamDidNotEnd: Error, CustomStringConvertible {
    var url: String
    var upgraded: Bool
    var received: Int

    var description: String {
        "the stream \(url) did not end in time: "
            + (upgraded ? "upgraded, \(received) messages read" : "the handshake was never answered")
    }
}

/// The task's value, or nil when it has not finished within `limit` (it is not waited for then).
func value<Value: Sendable>(of task: Task<Value, any Error>, within limit: Duration) async throws -> Value? {
    try await withCheckedThrowingContinuation { continuation in
        let once = Once(continuation)
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }  // cancelled: the task finished
            once.resume(with: .success(nil))
        }
        Task {
            let result = await task.result
            once.resume(with: result.map { $0 })
            timer.cancel()
        }
    }
}

/// A continuation resumed by whichever comes first.
private final class Once<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func resume(with result: Result<Value, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}

/// Waits until `condition` holds, checking every 10 ms; false if it still does not after
/// `limit` (a bound against hanging, never a measurement).
func eventually(_ limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// A one-shot signal between tasks.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
