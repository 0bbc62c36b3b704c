// scripts/bench cluster: the whole path with real processes — jobs queued in PostgreSQL,
// leased over TCP, run by `loom worker` processes (the trivial bench job kind), completion
// committed — with 1, 2 and 4 workers; pickup latency; and the time from kill -9 of a
// worker to its job running again elsewhere.
//
//   loom-bench-cluster [--jobs N] [--slots S] [--workers 1,2,4] [--ttl SECONDS] [--tls]
//                      [--repeat N] [--throughput-only] [--submit-batch N]
//
// Throughput is measured two ways, alternately: from a full queue (the path,
// queued in PostgreSQL → leased → run → completion committed: the jobs are queued while an
// operator's drain holds the workers, and the clock starts at the undrain), and with the
// jobs submitted while the cluster runs, --submit-batch (1,000) to an INSERT statement,
// the clock and the CPU including the inserts.
// --tls: each throughput run again with mutual TLS on the worker link, next to plain TCP.
// --repeat N: each throughput run N times, then the median. On two shared cores one run's
//   throughput varies by ±20%; the CPU per job varies less.
// --throughput-only: skip the pickup and kill -9 measurements.
//
// Needs DATABASE_URL (scripts/bench starts a throwaway server) and LOOM_BINARY (the
// release `loom`, which scripts/bench builds).
import Foundation
import LoomStore

#if canImport(Glibc)
import Glibc
#endif

func option(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: name), index + 1 < arguments.count { return arguments[index + 1] }
    return fallback
}

/// Unbuffered: lines reach a pipe as they are printed, even if the run stops early.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let jobCount = Int(option("--jobs", "20000"))!
let slots = Int(option("--slots", "64"))!
let workerCounts = option("--workers", "1,2,4").split(separator: ",").compactMap { Int($0) }
let ttl = Double(option("--ttl", "10"))!
let repeats = max(1, Int(option("--repeat", "1"))!)
let throughputOnly = CommandLine.arguments.contains("--throughput-only")
let submitBatch = max(1, Int(option("--submit-batch", "1000"))!)
guard let baseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] else { fatalError("DATABASE_URL is not set") }
guard let binary = ProcessInfo.processInfo.environment["LOOM_BINARY"] else { fatalError("LOOM_BINARY is not set") }
let secret = "bench-cluster-secret-0123456789abcdef"

func spawn(_ arguments: [String], log: String) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    let variables: [String] = ["LOOM_CLUSTER_SECRET=\(secret)", "PATH=/usr/bin:/bin"]
    let environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup($0) } + [nil]
    var pid: pid_t = 0
    guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environment) == 0 else { fatalError("cannot start \(arguments[0])") }
    started.append(pid)
    return pid
}

func stop(_ pids: [pid_t], signal: Int32 = SIGKILL) {
    for pid in pids { kill(pid, signal) }
    for pid in pids {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

func freshDatabase() async throws -> String {
    let name = "loom_bench_cluster_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
    try PostgresConnection(baseURL).execute("CREATE DATABASE \(name)")
    var components = URLComponents(string: baseURL)!
    components.path = "/" + name
    return components.string!
}

/// Stops a run's processes and drops its database: databases left behind kept autovacuum
/// busy through the runs after them, on the same two cores.
func tearDown(pids: [pid_t], pool: PostgresPool, url: String) async {
    stop(pids)
    await pool.close()
    let name = String(URLComponents(string: url)!.path.dropFirst())
    do {
        try PostgresConnection(baseURL).execute("DROP DATABASE \(name) WITH (FORCE)")
    } catch {
        say("  (could not drop database \(name): \(error))")
    }
}

func count(_ pool: PostgresPool, _ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
    try await pool.withConnection { try $0.query(sql, parameters)[0].decode(0, as: Int.self) }
}

/// Every process started, so that a run that gives up still stops them all.
nonisolated(unsafe) var started: [pid_t] = []

func waitFor(_ what: String, timeout: Double = 120, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        // Not much faster: the count is a query, and PostgreSQL's CPU is what is measured.
        try await Task.sleep(for: .milliseconds(20))
    }
    say("gave up waiting: \(what) (logs in \(logDirectory))")
    stop(started)
    exit(1)
}

let logDirectory = NSTemporaryDirectory() + "loom-bench-cluster-\(getpid())"
try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
let benchTLS = CommandLine.arguments.contains("--tls") ? try BenchTLS.make(in: logDirectory) : nil

/// A coordinator and `workers` worker processes on a fresh database.
func startCluster(workers: Int, slots: Int, ttl: Double, tls: BenchTLS? = nil) async throws -> (url: String, pool: PostgresPool, user: UUID, pids: [pid_t], workerPids: [String: pid_t]) {
    let url = try await freshDatabase()
    let pool = PostgresPool(.init(url: url, size: 4))
    _ = try await Migrator.bundled().migrate(pool)
    let user = try await Users(pool: pool).create(name: "bench", credits: 1_000_000_000).0.id
    let port = freePort()
    let coordinator = spawn(
        [binary, "coordinator", "--database-url", url, "--port", "\(port)", "--http-port", "0", "--no-samples", "--lease-ttl", "\(ttl)",
         "--log-level", "warning"] + (tls?.coordinatorFlags ?? []),
        log: "\(logDirectory)/coordinator.log")
    var workerPids: [String: pid_t] = [:]
    for index in 0..<workers {
        let name = "w\(index + 1)"
        workerPids[name] = spawn(
            [binary, "worker", "--coordinator", "127.0.0.1:\(port)", "--name", name, "--slots", "\(slots)", "--lease-ttl", "\(ttl)", "--log-level", "warning"] + (tls?.workerFlags ?? []),
            log: "\(logDirectory)/\(name).log")
    }
    try await waitFor("workers connected") { try await count(pool, "SELECT count(*) FROM workers") == workers }
    try await Task.sleep(for: .milliseconds(300))
    return (url, pool, user, [coordinator] + Array(workerPids.values), workerPids)
}

/// Queues `count` bench jobs in statements of `batch` jobs each, one after the other, as a
/// busy client would: the workers start on the first batch while the rest are inserted.
/// (One statement of 20,000 jobs took about 0.5 s, during which the cluster had nothing to
/// do and one of the two cores was idle.)
func submitBenchJobs(_ pool: PostgresPool, user: UUID, count: Int, batch: Int) async throws {
    try await pool.withConnection { connection in
        for first in stride(from: 0, to: count, by: batch) {
            _ = try connection.query(
                """
                WITH created AS (
                    INSERT INTO jobs (id, user_id, kind, status, spec)
                    SELECT gen_random_uuid(), $1, 'bench', 'queued', '{}'::jsonb FROM generate_series(1, $2)
                    RETURNING 1
                )
                SELECT count(*), pg_notify('loom_queue', '') FROM created
                """, [user, min(batch, count - first)])
        }
    }
}

/// CPU seconds (user + system) a live process has used, from /proc.
func cpuSeconds(_ pid: pid_t) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the name: state is field 3, utime 14 and stime 15 (1-based).
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds of each PostgreSQL backend serving `database` (its name is in their title).
func backendCPU(database: String) -> [pid_t: Double] {
    var result: [pid_t: Double] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = pid_t(entry),
            let title = try? String(contentsOfFile: "/proc/\(entry)/cmdline", encoding: .utf8),
            title.hasPrefix("postgres:"), title.contains(" \(database) ")
        else { continue }
        result[pid] = cpuSeconds(pid)
    }
    return result
}

/// The machine's busy and total CPU time so far (all cores, seconds), from /proc/stat.
func machineCPU() -> (busy: Double, total: Double) {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = stat.split(separator: "\n").first else { return (0, 0) }
    let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard values.count >= 5 else { return (0, 0) }
    let total = values.reduce(0, +)
    let idle = values[3] + values[4]
    let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
    return ((total - idle) / tick, total / tick)
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}

say("cluster benchmark: \(jobCount) bench jobs per run, inserted \(submitBatch) to a statement; \(slots) slots per worker, lease TTL \(ttl) s, release build")

// 1. Throughput through the whole path, in two ways.
enum Filling: CaseIterable {
    /// The path: the jobs are all queued first (the workers drained by an operator
    /// meanwhile), and the clock runs from the undrain to the last completion committed.
    case fullQueue
    /// The jobs are submitted while the cluster runs, and the clock and the CPU include the
    /// inserts (PostgreSQL's CPU for them too).
    case submittedMeanwhile

    var label: String {
        switch self {
        case .fullQueue: "from a full queue"
        case .submittedMeanwhile: "submitted meanwhile"
        }
    }
}

struct ThroughputRun {
    var jobsPerSecond: Double
    /// CPU µs per job: coordinator, workers, PostgreSQL backends.
    var coordinator: Double, workers: Double, postgres: Double
}

/// Sets every worker's state as an operator would (drain, undrain), announced to the coordinator.
func setAllWorkers(_ pool: PostgresPool, _ state: WorkerState) async throws {
    let workers = Workers(pool: pool)
    for worker in try await workers.list() { _ = try await workers.setStateAndAnnounce(worker.instanceID, state) }
}

func throughputRun(workers: Int, tls: BenchTLS?, filling: Filling) async throws -> ThroughputRun {
    let cluster = try await startCluster(workers: workers, slots: slots, ttl: ttl, tls: tls)
    // A run that fails drops its database too.
    do {
        let database = String(URLComponents(string: cluster.url)!.path.dropFirst())
        if filling == .fullQueue {
            try await setAllWorkers(cluster.pool, .draining)
            // The drain reaches the coordinator through NOTIFY.
            try await Task.sleep(for: .milliseconds(300))
            try await submitBenchJobs(cluster.pool, user: cluster.user, count: jobCount, batch: submitBatch)
            let early = try await count(cluster.pool, "SELECT count(*) FROM jobs WHERE status <> 'queued'")
            if early > 0 { say("  !! \(early) jobs were leased before the undrain") }
        }
        let cpuBefore = cluster.pids.map(cpuSeconds)
        let backendsBefore = backendCPU(database: database)
        let machineBefore = machineCPU()
        let start = Date()
        var queuedAfter = 0.0
        switch filling {
        case .fullQueue:
            try await setAllWorkers(cluster.pool, .active)
        case .submittedMeanwhile:
            try await submitBenchJobs(cluster.pool, user: cluster.user, count: jobCount, batch: submitBatch)
            queuedAfter = Date().timeIntervalSince(start)
        }
        // The poll must cost little: it runs on the PostgreSQL being measured, on the same
        // two cores. Counting the completed rows scans the whole table (about 6 ms at 20,000
        // jobs, every 20 ms: a third of the backends' CPU it reported); finding one queued or
        // running job stops at the first (job_queue, job_running).
        var lastReport = Date()
        try await waitFor("all finished") {
            let unfinished = try await count(cluster.pool, """
                SELECT count(*) FROM (
                    (SELECT 1 FROM job_queue LIMIT 1) UNION ALL (SELECT 1 FROM job_running LIMIT 1)) j
                """)
            if unfinished > 0, Date().timeIntervalSince(lastReport) >= 5 {
                lastReport = Date()
                let done = try await count(cluster.pool, "SELECT count(*) FROM jobs WHERE status = 'completed'")
                say("  … \(done) completed after \(Int(Date().timeIntervalSince(start))) s")
            }
            return unfinished == 0
        }
        let elapsed = Date().timeIntervalSince(start)
        let cpu = zip(cluster.pids.map(cpuSeconds), cpuBefore).map { $0 - $1 }
        let backends = backendCPU(database: database).reduce(0) { $0 + $1.value - (backendsBefore[$1.key] ?? 0) }
        let machineAfter = machineCPU()
        let machineBusy = (machineAfter.busy - machineBefore.busy) / max(0.001, machineAfter.total - machineBefore.total) * 100
        let completed = try await count(cluster.pool, "SELECT count(*) FROM jobs WHERE status = 'completed'")
        if completed != jobCount { say("  !! \(jobCount - completed) jobs finished without completing") }
        let twice = try await count(cluster.pool, "SELECT count(*) FROM jobs WHERE attempt <> 1")
        let workerCPU = cpu.dropFirst().reduce(0, +)
        let run = ThroughputRun(
            jobsPerSecond: Double(jobCount) / elapsed, coordinator: cpu[0] / Double(jobCount) * 1e6,
            workers: workerCPU / Double(jobCount) * 1e6, postgres: backends / Double(jobCount) * 1e6)
        let queued = filling == .fullQueue ? "" : String(format: ", all queued after %.2f s", queuedAfter)
        say(String(format: "throughput, %d worker process%@%@, %@: %8.0f jobs/s  (%d jobs in %.2f s%@; %d not on their first attempt)",
                     workers, workers == 1 ? "" : "es", benchTLS == nil ? "" : tls == nil ? ", plain TCP" : ", mutual TLS", filling.label,
                     run.jobsPerSecond, jobCount, elapsed, queued, twice))
        say(String(format: "    CPU: coordinator %.2f s, workers %.2f s, PostgreSQL backends %.2f s (%.0f, %.0f, %.0f µs per job); machine %.0f%% busy (all cores, everyone included)",
                     cpu[0], workerCPU, backends, run.coordinator, run.workers, run.postgres, machineBusy))
        await tearDown(pids: cluster.pids, pool: cluster.pool, url: cluster.url)
        return run
    } catch {
        await tearDown(pids: cluster.pids, pool: cluster.pool, url: cluster.url)
        throw error
    }
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

for workers in workerCounts { for tls in BenchTLS.runs(benchTLS) {
    var runs: [Filling: [ThroughputRun]] = [:]
    // Alternating, so that a change in the host's speed affects both alike.
    for _ in 0..<repeats {
        for filling in Filling.allCases { runs[filling, default: []].append(try await throughputRun(workers: workers, tls: tls, filling: filling)) }
    }
    if repeats > 1 {
        for filling in Filling.allCases {
            let runs = runs[filling]!
            say(String(format: "  median of %d runs, %d worker%@, %@: %8.0f jobs/s (%.0f–%.0f); CPU µs per job: coordinator %.0f, workers %.0f, PostgreSQL %.0f",
                         repeats, workers, workers == 1 ? "" : "s", filling.label, median(runs.map(\.jobsPerSecond)), runs.map(\.jobsPerSecond).min()!,
                         runs.map(\.jobsPerSecond).max()!, median(runs.map(\.coordinator)), median(runs.map(\.workers)), median(runs.map(\.postgres))))
        }
    }
} }

// 2. Pickup latency: jobs submitted one at a time to idle workers. Two measures, both
// on the database's clock from the job's creation: to its lease (the lease statement's
// start), and to the first node status the worker reported from the running job (stored
// after it crossed back to the coordinator: an upper bound of "the worker starts").
if !throughputOnly {
    let cluster = try await startCluster(workers: 2, slots: 10, ttl: ttl)
    let queue = JobQueue(pool: cluster.pool)
    var ids: [UUID] = []
    for _ in 0..<300 {
        let id = UUID()
        try await queue.submit(JobSubmission(id: id, userID: cluster.user, kind: .bench, spec: JSONB(json: "{\"nodes\": 1}")))
        ids.append(id)
        try await Task.sleep(for: .milliseconds(5))
    }
    try await waitFor("pickup jobs completed") { try await count(cluster.pool, "SELECT count(*) FROM jobs WHERE status = 'completed'") == ids.count }
    let latencies: [(leased: Double, running: Double)] = try await cluster.pool.withConnection { connection in
        try connection.query(
            """
            SELECT (extract(epoch FROM j.started_at - j.created_at) * 1000)::float8,
                   (extract(epoch FROM (SELECT min(e.created_at) FROM job_events e WHERE e.job_id = j.id AND e.type = 'node_status')
                                       - j.created_at) * 1000)::float8
            FROM jobs j
            """
        ).map { (try $0.decode(0, as: Double.self), try $0.decode(1, as: Double.self)) }
    }
    for (label, values) in [("queued → leased", latencies.map(\.leased)), ("queued → running on the worker (at most)", latencies.map(\.running))] {
        say(String(format: "pickup (%@), 300 jobs one at a time: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                     label, percentile(values, 0.5), percentile(values, 0.99), values.max() ?? 0))
    }
    await tearDown(pids: cluster.pids, pool: cluster.pool, url: cluster.url)
}

// 3. kill -9 a worker running a job: how long until the job runs again elsewhere.
if !throughputOnly {
    let cluster = try await startCluster(workers: 2, slots: 1, ttl: ttl)
    let queue = JobQueue(pool: cluster.pool)
    let id = UUID()
    try await queue.submit(JobSubmission(id: id, userID: cluster.user, kind: .bench, spec: JSONB(json: "{\"sleepMs\": 600000, \"nodes\": 1}")))
    var owner: UUID?
    // Running on the worker, not only leased (its node event is stored): a grant the
    // worker had not accepted yet would be released at once when its connection closes.
    try await waitFor("job running") {
        owner = try await queue.job(id)?.leaseOwner
        let started = try await count(cluster.pool, "SELECT count(*) FROM job_events WHERE job_id = $1 AND type = 'node_status'", [id])
        return owner != nil && started > 0
    }
    // Kill right after a heartbeat renewed the lease (the worst case is a full TTL).
    let victim = owner!
    let name: String = try await cluster.pool.withConnection { try $0.query("SELECT name FROM workers WHERE instance_id = $1", [victim])[0].decode(0, as: String.self) }
    let killedAt = Date()
    stop([cluster.workerPids[name]!])
    try await waitFor("job running again") {
        let job = try await queue.job(id)
        return job?.status == .running && job?.leaseOwner != victim
    }
    say(String(format: "kill -9 of a worker → its job running on another: %.2f s (lease TTL %.0f s)", Date().timeIntervalSince(killedAt), ttl))
    await tearDown(pids: cluster.pids.filter { $0 != cluster.workerPids[name]! }, pool: cluster.pool, url: cluster.url)
}
try? FileManager.default.removeItem(atPath: logDirectory)
