// scripts/bench stream: the live stream under load, against a real server process.
//
//   1. latency: 1,000 WebSocket clients subscribed to 100 running jobs (10 each); a fake
//      worker stores events (JobQueue.appendEvents, the real write path) with the time of
//      the write in the payload; each client notes when it receives them. Prints p50, p99
//      and max of store write → client receipt (CLOCK_MONOTONIC, one machine), and apart
//      from it the store write alone (the commit), which the first includes.
//      The clients and the writers run in this process, the server in a child process: on
//      one machine they share its cores, so the CPU time of each is printed too.
//   2. memory: 10,000 idle stream connections (two client processes of 5,000) to the
//      server process; prints its RSS before and after, and per connection.
//
// The server runs as a child process (`loom-bench-stream serve`), so its RSS is its own.
// Needs DATABASE_URL (scripts/bench starts a throwaway PostgreSQL).
import Foundation
import Hummingbird
import HummingbirdWSClient
import Logging
import NIOCore
import LoomHTTP
import LoomStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

func monotonicNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

/// Raises the open-file limit to the hard limit (10,000 sockets need more than 1,024).
func raiseFileLimit() -> Int {
    var limit = rlimit()
    getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    return Int(limit.rlim_cur)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench stream: \(message)\n".utf8))
    exit(1)
}

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}

/// Prints a line at once (stdout is a pipe to the parent).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: Server process

func serve(databaseURL: String) async throws {
    var configuration = APIConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    var stream = StreamConfiguration()
    stream.maxClients = 20_000
    stream.maxClientsPerJob = 20_000
    let pool = PostgresPool(.init(url: databaseURL, size: 8, applicationName: "loom-bench-stream"))
    let server = APIServer(configuration: configuration, services: APIServices(pool: pool), stream: stream)
    let app = server.application(logger: quietLogger("loom.bench.server")) { port in say("port \(port)") }
    try await app.runService()
}

// MARK: Client processes

/// Opens `count` streams and keeps them open; says "ready N" once all have their first message.
func idleClients(url: String, count: Int, token: String, jobs: [String]) async throws {
    let ready = Counter()
    let failed = Counter()
    var settings = WebSocketClientConfiguration()
    settings.additionalHeaders[.authorization] = "Bearer \(token)"
    let configuration = settings
    let logger = quietLogger("loom.bench.client")
    try await withThrowingTaskGroup(of: Void.self) { group in
        // At most 100 connecting at once: the listen backlog is finite.
        let connecting = AsyncSemaphore(100)
        for index in 0..<count {
            await connecting.wait()
            group.addTask {
                let released = Counter()
                do {
                    try await WebSocketClient.connect(
                        url: "\(url)/api/workflows/\(jobs[index % jobs.count])/stream", configuration: configuration, logger: logger
                    ) { inbound, _, _ in
                        for try await _ in inbound where released.value == 0 {
                            released.add()
                            connecting.signal()
                            ready.add()
                        }
                    }
                } catch {
                    failed.add()
                }
                if released.value == 0 { connecting.signal() }
            }
        }
        group.addTask {
            var last = -1
            while true {
                let now = ready.value + failed.value
                if now != last {
                    say("ready \(ready.value) failed \(failed.value)")
                    last = now
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        try await group.next()
    }
}

final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)
    func add(_ amount: Int = 1) { atomic.add(amount, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}

final class Samples: Sendable {
    let values = Mutex<[Int64]>([])
}

/// A counting semaphore for tasks.
final class AsyncSemaphore: Sendable {
    private let state: Mutex<(permits: Int, waiters: [CheckedContinuation<Void, Never>])>
    init(_ permits: Int) { state = Mutex((permits, [])) }

    func wait() async {
        await withCheckedContinuation { continuation in
            let go = state.withLock { state in
                if state.permits > 0 {
                    state.permits -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
    }

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.permits += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}

// MARK: Orchestration

/// A child process of this program, its stdout read line by line.
final class Child: @unchecked Sendable {
    let process = Process()
    private let lines: AsyncStream<String>

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        self.lines = lines
        let buffer = Mutex<String>("")
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                continuation.finish()
                handle.readabilityHandler = nil
                return
            }
            let complete = buffer.withLock { buffer -> [String] in
                buffer += String(decoding: data, as: UTF8.self)
                var parts = buffer.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                buffer = parts.removeLast()
                return parts
            }
            for line in complete { continuation.yield(line) }
        }
        try process.run()
    }

    /// The first line for which `match` returns a value.
    func waitFor<T>(_ match: (String) -> T?) async -> T? {
        for await line in lines {
            if let value = match(line) { return value }
        }
        return nil
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// CPU time (user + system) so far, in seconds.
    var cpuSeconds: Double { Self.cpuSeconds(ofProcess: "\(process.processIdentifier)") }

    static func cpuSeconds(ofProcess pid: String) -> Double {
        // Fields 14 and 15 of /proc/PID/stat, after the parenthesised command name.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident set size in bytes.
    var rss: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
}

/// The number after `"sent_ns":` in a message, read from its bytes: the clients share the
/// machine's cores with the server, so they make no String of each message.
func sentNanoseconds(in buffer: ByteBuffer) -> Int64? {
    let key = Array(#""sent_ns":"#.utf8)
    return buffer.withUnsafeReadableBytes { bytes -> Int64? in
        var start = 0
        search: while start + key.count <= bytes.count {
            for offset in 0..<key.count where bytes[start + offset] != key[offset] {
                start += 1
                continue search
            }
            var index = start + key.count
            var value: Int64 = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return index > start + key.count ? value : nil
        }
        return nil
    }
}

func percentile(_ sorted: [Int64], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let index = min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)
    return Double(sorted[max(0, index)]) / 1e6
}

func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

/// The machine's load averages (1, 5, 15 minutes): others' work shares the cores too.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

func orchestrate(databaseURL: String) async throws {
    let fileLimit = raiseFileLimit()
    let latencyClients = Int(option("--clients") ?? "") ?? 1_000
    let idleCount = Int(option("--idle") ?? "") ?? 10_000
    let jobCount = 100
    let seconds = Double(option("--seconds") ?? "") ?? 10

    // A fresh database with the schema, a user, and 100 running jobs held by a fake worker.
    let base = URLComponents(string: databaseURL)!
    let name = "loom_bench_stream_\(getpid())"
    try PostgresConnection(databaseURL).execute("CREATE DATABASE \(name)")
    var components = base
    components.path = "/" + name
    let url = components.string!
    let pool = PostgresPool(.init(url: url, size: 4, applicationName: "loom-bench-worker"))
    try await Migrator.bundled().migrate(pool)
    let users = Users(pool: pool)
    let queue = JobQueue(pool: pool)
    let (user, token) = try await users.create(name: "bench", credits: 0)
    for _ in 0..<jobCount { try await queue.submit(JobSubmission(userID: user.id, kind: .workflow)) }
    let worker = UUID()
    let leases = try await queue.lease(worker: worker, limit: jobCount)
    guard leases.count == jobCount else { fail("leased \(leases.count) of \(jobCount) jobs") }
    let jobIDs = leases.map { $0.jobID.uuidString.lowercased() }

    let server = try Child(["serve", "--database", url])
    defer { server.stop() }
    guard let port = await server.waitFor({ $0.hasPrefix("port ") ? Int($0.dropFirst(5)) : nil }) else {
        fail("the server process did not start")
    }
    let baseURL = "ws://127.0.0.1:\(port)"
    say("stream bench: server pid \(server.process.processIdentifier) on port \(port); open-file limit \(fileLimit); \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(loadAverage())")
    say("  server RSS at start: \(mib(server.rss))")

    // 1. Latency.
    let samples = Samples()
    let received = Counter()
    let readyClients = Counter()
    var settings = WebSocketClientConfiguration()
    settings.additionalHeaders[.authorization] = "Bearer \(token)"
    let configuration = settings
    let logger = quietLogger("loom.bench.client")
    let clients = Task {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<latencyClients {
                let job = jobIDs[index % jobCount]
                group.addTask {
                    try await WebSocketClient.connect(url: "\(baseURL)/api/workflows/\(job)/stream", configuration: configuration, logger: logger) { inbound, _, _ in
                        var first = true
                        for try await frame in inbound {
                            let now = monotonicNanoseconds()
                            if first {
                                first = false
                                readyClients.add()
                            }
                            guard let sent = sentNanoseconds(in: frame.data) else { continue }
                            received.add()
                            samples.values.withLock { $0.append(now - sent) }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    let connectStart = monotonicNanoseconds()
    while readyClients.value < latencyClients {
        try await Task.sleep(for: .milliseconds(50))
        if Double(monotonicNanoseconds() - connectStart) > 120e9 { fail("only \(readyClients.value) clients connected") }
    }
    say("  \(latencyClients) clients on \(jobCount) running jobs connected in \(String(format: "%.1f", Double(monotonicNanoseconds() - connectStart) / 1e9)) s; server RSS \(mib(server.rss))")

    // Four writers, each storing one event at a time for a job in turn, 2 ms apart: about
    // 1,500 events/s in all, each to 10 clients.
    let written = Counter()
    let commits = Samples()
    let serverCPU = server.cpuSeconds
    let ownCPU = Child.cpuSeconds(ofProcess: "self")
    let deadline = monotonicNanoseconds() + Int64(seconds * 1e9)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<4 {
            group.addTask {
                var index = writer
                while monotonicNanoseconds() < deadline {
                    let lease = leases[index % jobCount]
                    index += 4
                    let sent = monotonicNanoseconds()
                    let payload = JSONB(json: #"{"node_id": "model", "status": "running", "progress": 0.5, "sent_ns": \#(sent)}"#)
                    try await queue.appendEvents([.init(jobID: lease.jobID, token: lease.token, type: "node_progress", payload: payload)])
                    commits.values.withLock { $0.append(monotonicNanoseconds() - sent) }
                    written.add()
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
        }
        try await group.waitForAll()
    }
    let expected = written.value * (latencyClients / jobCount)
    let settle = monotonicNanoseconds()
    while received.value < expected, monotonicNanoseconds() - settle < 10_000_000_000 {
        try await Task.sleep(for: .milliseconds(20))
    }
    let sorted = samples.values.withLock { $0.sorted() }
    let commitTimes = commits.values.withLock { $0.sorted() }
    let serverUsed = server.cpuSeconds - serverCPU
    let ownUsed = Child.cpuSeconds(ofProcess: "self") - ownCPU
    say("  latency, store write → client receipt: \(written.value) events in \(Int(seconds)) s, \(sorted.count) of \(expected) deliveries received")
    say(String(format: "    p50 %.2f ms   p99 %.2f ms   p99.9 %.2f ms   max %.2f ms   (goal: p99 < 20 ms)",
               percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 99.9), percentile(sorted, 100)))
    say(String(format: "    of which the store write (commit): p50 %.2f ms   p99 %.2f ms   max %.2f ms",
               percentile(commitTimes, 50), percentile(commitTimes, 99), percentile(commitTimes, 100)))
    say(String(format: "    CPU meanwhile: server %.1f s, clients and writers %.1f s, in %.1f s (+ settling); ", serverUsed, ownUsed, seconds)
        + "load average \(loadAverage())")
    clients.cancel()
    _ = try? await clients.value
    try await Task.sleep(for: .seconds(1))

    // 2. Memory with idle connections, from two client processes.
    let before = server.rss
    say("  server RSS before the idle clients: \(mib(before))")
    let perProcess = idleCount / 2
    let idle = try (0..<2).map { _ in
        try Child(["clients", "--url", baseURL, "--count", "\(perProcess)", "--token", token, "--jobs", jobIDs.joined(separator: ",")])
    }
    defer { for child in idle { child.stop() } }
    let idleStart = monotonicNanoseconds()
    var counts = [Int](repeating: 0, count: idle.count)
    try await withThrowingTaskGroup(of: (Int, Int).self) { group in
        for (index, child) in idle.enumerated() {
            group.addTask {
                let done = await child.waitFor { line -> Int? in
                    let numbers = line.split(separator: " ").compactMap { Int($0) }
                    guard line.hasPrefix("ready "), numbers.count == 2, numbers[0] + numbers[1] >= perProcess else { return nil }
                    return numbers[0]
                }
                return (index, done ?? 0)
            }
        }
        for try await (index, ready) in group { counts[index] = ready }
    }
    let connected = counts.reduce(0, +)
    try await Task.sleep(for: .seconds(2))
    let after = server.rss
    say("  \(connected) idle connections open (of \(idleCount)) after \(String(format: "%.1f", Double(monotonicNanoseconds() - idleStart) / 1e9)) s")
    say("  server RSS with them: \(mib(after))   (goal: < 500 MiB)   per connection: \(String(format: "%.1f KiB", Double(after - before) / 1024 / Double(max(connected, 1))))")
    for child in idle { child.stop() }
    await pool.close()
    // A database left behind keeps autovacuum busy during later benchmarks on the same server.
    server.stop()
    try PostgresConnection(databaseURL).execute("DROP DATABASE \(name) WITH (FORCE)")
}

// MARK: Entry

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "serve":
    _ = raiseFileLimit()
    guard let url = option("--database") else { fail("serve needs --database URL") }
    try await serve(databaseURL: url)
case "clients":
    _ = raiseFileLimit()
    guard let url = option("--url"), let count = option("--count").flatMap(Int.init), let token = option("--token"),
        let jobs = option("--jobs")?.split(separator: ",").map(String.init)
    else { fail("clients needs --url --count --token --jobs") }
    try await idleClients(url: url, count: count, token: token, jobs: jobs)
default:
    guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
        fail("DATABASE_URL is not set (scripts/bench stream starts a throwaway PostgreSQL)")
    }
    try await orchestrate(databaseURL: url)
}
