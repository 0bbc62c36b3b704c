// scripts/bench store: how many jobs per second the queue leases and completes.
//
// For 1, 2 and 4 concurrent leasers and batch sizes 1 and 64, each leaser loops "lease up
// to B jobs, then complete them all in one statement" until the queue is empty. Batch size
// 1 with one leaser is the plain one-job loop (two commits per job); batch 64 is the
// batched path (two commits per 64 jobs). Runs with the server's own durability settings
// (scripts/bench starts one with fsync and synchronous_commit on) and first measures the
// commit latency, which says whether the disk is in its fast or slow state.
import Foundation
import LoomStore

guard let baseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
    print("loom-bench-store: DATABASE_URL is not set (run it through scripts/bench store)")
    exit(2)
}
let arguments = CommandLine.arguments.dropFirst()
let jobsPerRun = arguments.first.flatMap(Int.init)

let databaseName = "loom_bench_\(Int(Date().timeIntervalSince1970))"
try PostgresConnection(baseURL).execute("CREATE DATABASE \(databaseName)")
var components = URLComponents(string: baseURL)!
components.path = "/" + databaseName
let url = components.string!

let setupPool = PostgresPool(.init(url: url, size: 1))
try await Migrator.bundled().migrate(setupPool)
let (user, _) = try await Users(pool: setupPool).create(name: "bench", credits: 1_000_000_000_000)

let settings = try await setupPool.withConnection { connection in
    let row = try connection.query("SELECT current_setting('fsync'), current_setting('synchronous_commit'), version()")[0]
    return (try row.decode(0, as: String.self), try row.decode(1, as: String.self), try row.decode(2, as: String.self))
}

/// Commits per second of a one-row INSERT: the disk's fsync latency, roughly.
func commitLatency() async throws -> Double {
    try await setupPool.withConnection { connection in
        try connection.execute("CREATE TABLE IF NOT EXISTS bench_commit (n int)")
        let clock = ContinuousClock()
        let count = 200
        let elapsed = try clock.measure {
            for index in 0..<count { try connection.query("INSERT INTO bench_commit VALUES ($1)", [Int32(index)]) }
        }
        return elapsed.seconds / Double(count) * 1000
    }
}

func reset(jobs count: Int) async throws {
    try await setupPool.withConnection { connection in
        // CASCADE: every table that references jobs. job_events (0005), job_queue and job_running
        // (0009) have no foreign key, so they are named.
        try connection.execute("TRUNCATE jobs, job_events, job_queue, job_running, credit_ledger RESTART IDENTITY CASCADE")
        _ = try connection.query(
            """
            INSERT INTO jobs (id, user_id, kind, status, credit_estimate, run_at)
            SELECT gen_random_uuid(), $1, 'workflow', 'queued', 1, now() - interval '1 second' FROM generate_series(1, $2)
            """,
            [user.id, count]
        )
        try connection.execute("VACUUM ANALYZE jobs")
    }
}

struct RunResult {
    var jobs: Int
    var seconds: Double
    /// Mean time of one lease statement and of one complete statement, in ms.
    var leaseMilliseconds: Double
    var completeMilliseconds: Double
    var jobsPerSecond: Double { Double(jobs) / seconds }
}

func run(leasers: Int, batch: Int, jobs: Int) async throws -> RunResult {
    try await reset(jobs: jobs)
    let pool = PostgresPool(.init(url: url, size: leasers))
    let queue = JobQueue(pool: pool)
    let clock = ContinuousClock()
    let start = clock.now
    struct Tally {
        var finished = 0
        var leases = 0
        var leaseTime = Duration.zero
        var completeTime = Duration.zero
    }
    let tally = try await withThrowingTaskGroup(of: Tally.self) { group in
        for _ in 0..<leasers {
            group.addTask {
                let worker = UUID()
                var tally = Tally()
                while true {
                    let leaseStart = clock.now
                    let leases = try await queue.lease(worker: worker, limit: batch)
                    tally.leaseTime += clock.now - leaseStart
                    tally.leases += 1
                    if leases.isEmpty { return tally }
                    let completeStart = clock.now
                    let outcomes = try await queue.complete(leases.map { .init(jobID: $0.jobID, token: $0.token, cost: 1) })
                    tally.completeTime += clock.now - completeStart
                    tally.finished += outcomes.values.filter { $0 == .applied }.count
                }
            }
        }
        return try await group.reduce(into: Tally()) { total, one in
            total.finished += one.finished
            total.leases += one.leases
            total.leaseTime += one.leaseTime
            total.completeTime += one.completeTime
        }
    }
    let done = tally.finished
    let seconds = (clock.now - start).seconds
    await pool.close()
    guard done == jobs else {
        print("loom-bench-store: completed \(done) of \(jobs) jobs")
        exit(1)
    }
    return RunResult(
        jobs: jobs, seconds: seconds,
        leaseMilliseconds: tally.leaseTime.seconds * 1000 / Double(tally.leases),
        completeMilliseconds: tally.completeTime.seconds * 1000 / Double(max(tally.leases - leasers, 1))
    )
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

func format(_ value: Double, _ decimals: Int = 0) -> String {
    String(format: "%.\(decimals)f", value)
}

print("Loom store benchmark: lease + complete, one user, credit estimate 1 per job")
print("server: \(settings.2.split(separator: ",").first ?? "")")
print("fsync=\(settings.0) synchronous_commit=\(settings.1)")
let latencyBefore = try await commitLatency()
print("commit latency before: \(format(latencyBefore, 2)) ms (fast disk state ≈ 0.1 ms, slow ≈ 4 ms)")
print("")
print("leasers  batch      jobs   seconds     jobs/s   lease ms  complete ms")
var results: [String: Double] = [:]
for batch in [1, 64] {
    for leasers in [1, 2, 4] {
        let jobs = jobsPerRun ?? (batch == 1 ? 3_000 : 50_000)
        let result = try await run(leasers: leasers, batch: batch, jobs: jobs)
        results["\(leasers)x\(batch)"] = result.jobsPerSecond
        print(
            "\(String(repeating: " ", count: 7 - String(leasers).count))\(leasers)"
                + "\(String(repeating: " ", count: 7 - String(batch).count))\(batch)"
                + "\(String(repeating: " ", count: 10 - String(jobs).count))\(jobs)"
                + "\(String(repeating: " ", count: 10 - format(result.seconds, 2).count))\(format(result.seconds, 2))"
                + "\(String(repeating: " ", count: 11 - format(result.jobsPerSecond).count))\(format(result.jobsPerSecond))"
                + "\(String(repeating: " ", count: 11 - format(result.leaseMilliseconds, 2).count))\(format(result.leaseMilliseconds, 2))"
                + "\(String(repeating: " ", count: 13 - format(result.completeMilliseconds, 2).count))\(format(result.completeMilliseconds, 2))"
        )
    }
}
let latencyAfter = try await commitLatency()
print("")
print("commit latency after: \(format(latencyAfter, 2)) ms")
let baseline = results["1x1"]!
let best = [1, 2, 4].map { results["\($0)x64"]! }.max()!
print("batched (64) best vs one-job loop (1 leaser, batch 1): \(format(best / baseline, 1))x")
await setupPool.close()
try PostgresConnection(baseURL).execute("DROP DATABASE \(databaseName)")
