import Foundation
import LoomStore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The throwaway PostgreSQL that scripts/test starts, as in LoomStoreTests.
enum ClusterDatabase {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "DATABASE_URL is not set: run scripts/test, or start scripts/pg and export the URL it prints" }
    }

    /// A new database with Loom's schema.
    static func makeMigrated() async throws -> String {
        guard let base = ProcessInfo.processInfo.environment["DATABASE_URL"], !base.isEmpty else { throw Missing() }
        let name = "loom_cluster_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try PostgresConnection(base).execute("CREATE DATABASE \(name)")
        var components = URLComponents(string: base)!
        components.path = "/" + name
        let url = components.string!
        let pool = PostgresPool(.init(url: url, size: 1))
        try await Migrator.bundled().migrate(pool)
        await pool.close()
        return url
    }
}

/// A child process started with posix_spawn (not Foundation's Process, whose
/// waitUntilExit can hang under swift-testing), its output in a log file.
final class Child: @unchecked Sendable {
    let pid: pid_t
    let name: String
    let logPath: String
    private var exitStatus: Int32?

    init(_ arguments: [String], environment: [String: String], name: String, logDirectory: String) throws {
        self.name = name
        logPath = logDirectory + "/" + name + ".log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard status == 0 else { throw SpawnError(message: "posix_spawn \(arguments[0]): \(String(cString: strerror(status)))") }
        self.pid = pid
    }

    struct SpawnError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    func signal(_ signal: Int32) { if exitStatus == nil { kill(pid, signal) } }

    /// Reaps the process if it ended; its exit status (or 128 + signal).
    @discardableResult
    func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            let signalled = status & 0x7F
            exitStatus = signalled == 0 ? (status >> 8) & 0xFF : 128 + signalled
        }
        return exitStatus
    }

    /// Waits up to `timeout` for the process to end.
    func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = poll() { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return poll()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// One coordinator and its workers as real processes of the built `loom` binary. Every
/// test calls `stopAll()` in a defer, so nothing outlives it even when it fails.
final class Cluster: @unchecked Sendable {
    static let secret = "test-cluster-secret-0123456789abcdef"
    let databaseURL: String
    let directory: String
    let port: Int
    /// The coordinator's HTTP API (each test's own, so tests never share a port).
    let httpPort: Int
    private(set) var coordinator: Child?
    private(set) var workers: [String: Child] = [:]
    private var children: [Child] = []
    let leaseTTL: Double
    let heartbeat: Double

    init(databaseURL: String, leaseTTL: Double = 2, heartbeat: Double = 0.4) throws {
        self.databaseURL = databaseURL
        self.leaseTTL = leaseTTL
        self.heartbeat = heartbeat
        directory = NSTemporaryDirectory() + "loom-cluster-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = Self.freePort()
        httpPort = Self.freePort()
    }

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["LOOM_BINARY"] { return path }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/loom").path
    }

    var environment: [String: String] {
        var environment = ["LOOM_CLUSTER_SECRET": Self.secret, "PATH": "/usr/bin:/bin"]
        environment["HOME"] = ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"
        return environment
    }

    func startCoordinator(extra: [String] = []) throws {
        let child = try Child(
            [Self.binary, "coordinator", "--database-url", databaseURL, "--port", "\(port)", "--lease-ttl", "\(leaseTTL)",
             "--heartbeat", "\(heartbeat)", "--log-level", "info", "--http-port", "\(httpPort)", "--no-samples"] + extra,
            environment: environment, name: "coordinator-\(children.count)", logDirectory: directory)
        coordinator = child
        children.append(child)
    }

    @discardableResult
    func startWorker(_ name: String, slots: Int = 4, secret: String? = nil, extra: [String] = []) throws -> Child {
        var environment = environment
        if let secret { environment["LOOM_CLUSTER_SECRET"] = secret }
        let child = try Child(
            [Self.binary, "worker", "--coordinator", "127.0.0.1:\(port)", "--name", name, "--slots", "\(slots)",
             "--lease-ttl", "\(leaseTTL)", "--log-level", "info"] + extra,
            environment: environment, name: name, logDirectory: directory)
        workers[name] = child
        children.append(child)
        return child
    }

    /// Kills whatever still runs and reaps it.
    func stopAll() async {
        for child in children where child.poll() == nil { child.signal(SIGKILL) }
        for child in children { _ = await child.wait(timeout: .seconds(5)) }
    }

    var logs: String { children.map { "--- \($0.name)\n\($0.log.suffix(4_000))" }.joined(separator: "\n") }

    /// A port for a child process to listen on. It lies below the kernel's ephemeral range
    /// (net.ipv4.ip_local_port_range starts at 32768): a port the kernel hands out (bind to
    /// 0) can be taken by any outgoing connection before the child binds it, and was, in a
    /// CI run. A process-wide counter from a random start keeps concurrent clusters apart,
    /// and a port something else holds is passed over.
    static func freePort() -> Int {
        while true {
            let port = 20_000 + nextPort.add(1, ordering: .relaxed).oldValue % 12_000
            if canBind(port) { return port }
        }
    }

    private static let nextPort = Atomic<Int>(Int.random(in: 0..<12_000))

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var reuse: Int32 = 1  // as the child will (SwiftNIO sets SO_REUSEADDR)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Polls `condition` until it holds; fails the test (with the cluster's logs) after `timeout`.
/// The timeout is a bound against hanging, never an assertion about speed.
func eventually(
    _ what: String, timeout: Duration = .seconds(60), cluster: Cluster? = nil, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("gave up waiting: \(what)\n\(cluster?.logs ?? "")")
    throw GaveUp(what: what)
}

struct GaveUp: Error {
    var what: String
}

/// Store helpers for the tests.
struct Store {
    let pool: PostgresPool
    let queue: JobQueue

    init(url: String) {
        pool = PostgresPool(.init(url: url, size: 2))
        queue = JobQueue(pool: pool)
    }

    func user(credits: Int64 = 1_000_000) async throws -> UUID {
        try await Users(pool: pool).create(name: "user-\(UUID().uuidString.prefix(8))", credits: credits).0.id
    }

    func submitBench(user: UUID, sleepMs: Int = 0, nodes: Int = 0, cost: Int64 = 0, estimate: Int64 = 0, extra: String = "") async throws -> UUID {
        let id = UUID()
        try await queue.submit(
            JobSubmission(
                id: id, userID: user, kind: .bench, creditEstimate: estimate,
                spec: JSONB(json: "{\"sleepMs\":\(sleepMs),\"nodes\":\(nodes),\"creditCost\":\(cost)\(extra)}")))
        return id
    }

    func status(_ job: UUID) async throws -> JobStatus? { try await queue.job(job)?.status }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await pool.withConnection { connection in try connection.query(sql, parameters)[0].decode(0, as: Int.self) }
    }

    /// The worker name of a job's current lease.
    func owner(of job: UUID) async throws -> String? {
        try await pool.withConnection { connection in
            try connection.query("SELECT w.name FROM jobs j JOIN workers w ON w.instance_id = j.lease_owner WHERE j.id = $1", [job])
                .first { row throws(PostgresError) in try row.decode(0, as: String.self) }
        }
    }
}
