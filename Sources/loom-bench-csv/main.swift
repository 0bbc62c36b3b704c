// scripts/bench csv: parse, infer types, build and encode chunks (and profile) of a
// generated 1,000,000-row × 10-column CSV on two threads; prints MB/s, rows/s and peak
// RSS relative to the file size (after the first ingestion, and after all runs). The
// file is generated once, seeded, under /tmp.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LoomColumnar

let rows = 1_000_000
let path = "/tmp/loom-bench-csv-1m.csv"
// Arguments: [runs, default 5] [thread counts, comma-separated, default 2,1]
let arguments = CommandLine.arguments
let runs = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
let threadCounts = arguments.count > 2 ? arguments[2].split(separator: ",").compactMap { Int($0) } : [2, 1]

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// 6 float columns with 2–4 decimals, 2 int columns, 2 low-cardinality strings.
func generate() {
    guard let file = fopen(path, "w") else { fatalError("cannot write \(path)") }
    defer { fclose(file) }
    var random = SplitMix(state: 42)
    let cities = ["Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Lille", "Rennes"]
    let grades = ["A", "B", "C", "D"]
    var line = "f1,f2,f3,f4,f5,f6,i1,i2,city,grade\n"
    for row in 0..<rows {
        for column in 0..<6 {
            let scale = [100, 1_000, 10_000, 100, 1_000, 100][column]
            let value = random.below(2_000_000) - 1_000_000
            let sign = value < 0 ? "-" : ""
            let magnitude = abs(value)
            let decimals = String(magnitude % scale)
            let padded = String(repeating: "0", count: String(scale).count - 1 - decimals.count) + decimals
            line += "\(sign)\(magnitude / scale).\(padded),"
        }
        line += "\(random.below(100_000)),\(random.below(1_000) - 500),\(cities[random.below(cities.count)]),\(grades[random.below(grades.count)])\n"
        if row % 10_000 == 9_999 {
            fputs(line, file)
            line = ""
        }
    }
    fputs(line, file)
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// CPU seconds (user + system) used by this process so far: on a shared machine the
/// wall-clock rate depends on the neighbours, this does much less.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func peakRSSBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

var info = stat()
if stat(path, &info) != 0 || info.st_size < 60_000_000 {
    print("generating \(path) (\(rows) rows, seeded)…")
    generate()
    stat(path, &info)
}
let fileBytes = Int(info.st_size)
let megabytes = Double(fileBytes) / 1e6
print("file: \(path), \(String(format: "%.1f", megabytes)) MB, \(rows) rows × 10 columns")

/// Peak RSS after the first ingestion (what one ingestion needs), and after them all (the
/// allocator keeps some memory between runs).
var firstPeak: Int?
for concurrency in threadCounts {
    var best = Double.infinity
    var bestCPU = Double.infinity
    var chunkBytes = 0
    var chunkCount = 0
    var passes = 0
    for _ in 0..<runs {
        let start = now()
        let startCPU = cpuSeconds()
        var encoded = 0
        var chunks = 0
        let ingestion = try CSVIngestor(options: CSVOptions(concurrency: concurrency)).ingest(path: path) { chunk in
            encoded += chunk.encoded?.count ?? 0
            chunks += 1
        }
        let elapsed = now() - start
        bestCPU = min(bestCPU, cpuSeconds() - startCPU)
        precondition(ingestion.rowCount == rows)
        firstPeak = firstPeak ?? peakRSSBytes()
        best = min(best, elapsed)
        chunkBytes = encoded
        chunkCount = chunks
        passes = ingestion.passes
    }
    print(String(
        format: "%d thread%@: parse + infer + build + encode + profile, best of %d: %.3f s  %.0f MB/s  %.2f M rows/s  (%d chunks, %.1f MB encoded, %d pass%@)",
        concurrency, concurrency == 1 ? "" : "s", runs, best, megabytes / best, Double(rows) / best / 1e6, chunkCount,
        Double(chunkBytes) / 1e6, passes, passes == 1 ? "" : "es"))
    print(String(format: "    CPU time %.3f s: %.0f MB per CPU-second (wall-clock rate if each thread had a core to itself: %.0f MB/s)",
        bestCPU, megabytes / bestCPU, megabytes / bestCPU * Double(concurrency)))
}
if let firstPeak {
    print(String(format: "peak RSS after the first ingestion (%d thread%@): %.1f MB = %.2f × the file's size",
        threadCounts[0], threadCounts[0] == 1 ? "" : "s", Double(firstPeak) / 1e6, Double(firstPeak) / Double(fileBytes)))
}
let peak = peakRSSBytes()
print(String(format: "peak RSS after every run: %.1f MB = %.2f × the file's size", Double(peak) / 1e6, Double(peak) / Double(fileBytes)))
