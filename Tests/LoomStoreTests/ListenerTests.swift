import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import LoomStore

@Suite("LISTEN/NOTIFY listener")
struct ListenerTests {
    @Test("notifications arrive, and a lost connection is re-established with a resync")
    func reconnectsAfterTerminatedBackend() async throws {
        let base = try TestDatabase.url
        let application = "loom-listener-\(UUID().uuidString.prefix(8))"
        var configuration = PostgresListener.Configuration(url: base + "?application_name=\(application)", channels: ["loom_test", "Mixed Case"])
        configuration.reconnectDelay = .milliseconds(20)
        let listener = PostgresListener(configuration)
        defer { listener.stop() }
        let events = EventCollector(listener.events)
        #expect(await events.next() == .ready)

        let sender = try PostgresConnection(base)
        try sender.query("SELECT pg_notify($1, $2)", ["loom_test", "hello"])
        try sender.query("SELECT pg_notify($1, $2)", ["Mixed Case", "quoted channel"])
        #expect(await events.next() == .notification(channel: "loom_test", payload: "hello"))
        #expect(await events.next() == .notification(channel: "Mixed Case", payload: "quoted channel"))

        try sender.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [application])
        guard case .resync = await events.next() else {
            Issue.record("expected a resync after the connection was lost")
            return
        }
        try sender.query("SELECT pg_notify($1, $2)", ["loom_test", "after"])
        #expect(await events.next() == .notification(channel: "loom_test", payload: "after"))
    }

    @Test("the listener survives a real server restart and says it may have missed notifications")
    func survivesServerRestart() async throws {
        let cluster = try ScratchCluster()
        defer { cluster.stop() }
        var configuration = PostgresListener.Configuration(url: try cluster.start(), channels: ["jobs"])
        configuration.reconnectDelay = .milliseconds(50)
        let listener = PostgresListener(configuration)
        defer { listener.stop() }
        let events = EventCollector(listener.events)
        #expect(await events.next() == .ready)
        cluster.stop()
        let url = try cluster.start()
        guard case .resync = await events.next() else {
            Issue.record("expected a resync after the restart")
            return
        }
        try PostgresConnection(url).query("SELECT pg_notify('jobs', 'back')")
        #expect(await events.next() == .notification(channel: "jobs", payload: "back"))
    }
}

/// Reads a listener's events in the background so a test can wait for the next one with a
/// deadline (30 s) instead of hanging forever when it never comes.
final class EventCollector: Sendable {
    private final class Buffer: Sendable {
        let events = Mutex<[PostgresListener.Event]>([])
    }

    private let buffer = Buffer()
    private let reader: Task<Void, Never>

    init(_ stream: AsyncStream<PostgresListener.Event>) {
        let buffer = self.buffer
        reader = Task {
            for await event in stream { buffer.events.withLock { $0.append(event) } }
        }
    }

    deinit { reader.cancel() }

    /// The next event, or nil when none came within 30 s.
    func next() async -> PostgresListener.Event? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let event = buffer.events.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return event }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
}

/// A PostgreSQL cluster of the test's own, made with scripts/pg, that the test can stop and
/// start again (on the same port).
final class ScratchCluster {
    let directory: String
    let script: String

    init() throws {
        script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/pg").path
        directory = "/tmp/loom-scratch-pg-" + UUID().uuidString.prefix(8).lowercased()
    }

    func start() throws -> String {
        let output = try run(["start", directory, "--no-fsync"])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("DATABASE_URL=") }) else {
            throw PostgresError(kind: .usage, message: "scripts/pg start printed no URL: \(output)")
        }
        return String(line.dropFirst("DATABASE_URL=".count))
    }

    func stop() {
        _ = try? run(["stop", directory])
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs scripts/pg through /bin/sh with posix_spawn and waitpid. (Foundation's Process
    /// did not return from waitUntilExit here once the server it started kept running.)
    private func run(_ arguments: [String]) throws -> String {
        let outputPath = directory + ".out"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let command = ([script] + arguments).map { "'\($0)'" }.joined(separator: " ") + " > '\(outputPath)' 2>&1"
        let argv: [UnsafeMutablePointer<CChar>?] = [String](["/bin/sh", "-c", command]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard spawned == 0 else { throw PostgresError(kind: .usage, message: "posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}
