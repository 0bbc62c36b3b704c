// scripts/bench wire: chunk codec throughput and size, small-frame rates, and chunk transfer
// over loopback TCP with TLS off and on.
//
// The table is the one of the issue: 1,000,000 rows × 10 columns — 6 float64 with three
// decimals, 2 int64 of a small range, 2 strings of about 20 distinct values (held
// dictionary-encoded, as ingestion produces them) — cut into 65,536-row chunks.
// Throughput is MB/s of raw column data, counted as Arrow counts it: 8 bytes per number,
// and per string a 4-byte offset plus its UTF-8 bytes.
//
// `--transfer-only` skips the codec and frame rates (to profile the transfer alone).
// `--link GBITS` also measures the transfer over a link shaped to that many Gbit/s
// between network namespaces, as between machines (ShapedLink.swift; needs root).
import Foundation
import LoomColumnar
import LoomTLS
import LoomWire
import NIOCore

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func normal(_ random: inout SplitMix64) -> Double {
    // Box–Muller.
    let u = Double.random(in: Double.ulpOfOne..<1, using: &random)
    let v = Double.random(in: 0..<1, using: &random)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
}

func threeDecimals(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

func makeTable(rows: Int) throws -> (Table, rawBytes: Int) {
    var random = SplitMix64(state: 2026)
    var columns = [Column]()
    let floatShapes: [(String, (inout SplitMix64) -> Double)] = [
        ("price", { Double.random(in: 0..<1000, using: &$0) }),
        ("delta", { Double.random(in: -50..<50, using: &$0) }),
        ("weight", { 100 + 15 * normal(&$0) }),
        ("ratio", { Double.random(in: 0..<1, using: &$0) }),
        ("income", { Double.random(in: 0..<100_000, using: &$0) }),
        ("score", { normal(&$0) }),
    ]
    for (name, shape) in floatShapes {
        columns.append(.float64(name, (0..<rows).map { _ in threeDecimals(shape(&random)) }))
    }
    columns.append(.int64("age", (0..<rows).map { _ in Int64.random(in: 18...90, using: &random) }))
    columns.append(.int64("visits", (0..<rows).map { _ in Int64.random(in: 0..<100, using: &random) }))
    // About 6.6 UTF-8 bytes per value, like the Arrow comparison table.
    let cities = ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes", "Rennes", "Grenoble", "Montpellier",
                  "Strasbourg", "Reims", "Le Havre", "Dijon", "Angers", "Nimes", "Toulon", "Brest", "Limoges", "Amiens"]
    let products = ["apple", "pear", "plum", "mango", "peach", "grape", "melon", "cherry", "banana", "papaya",
                    "apricot", "tangerine", "blueberry", "raspberry", "pineapple", "coconut", "lemon", "clementine", "kiwi", "strawberry"]
    var stringBytes = 0
    for (name, entries) in [("city", cities), ("product", products)] {
        let codes = (0..<rows).map { _ in UInt32.random(in: 0..<UInt32(entries.count), using: &random) }
        stringBytes += codes.reduce(0) { $0 + 4 + entries[Int($1)].utf8.count }
        columns.append(try .string(name, StringArray(entries: entries, codes: codes)))
    }
    return (try Table(columns: columns), rows * 8 * 8 + stringBytes)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The best of `runs` timings (the machine is shared; the best is the least disturbed).
func best<T>(runs: Int, _ body: () throws -> T) rethrows -> (seconds: Double, result: T) {
    var bestTime = Double.infinity
    var last: T? = nil
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let value = try body()
        bestTime = min(bestTime, seconds(ContinuousClock.now - start))
        last = value
    }
    return (bestTime, last!)
}

func format(_ value: Double, _ decimals: Int = 0) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = decimals == 0 ? String(Int(rounded)) : String(rounded)
    if decimals > 0, let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

let rows = 1_000_000
let runs = 15
let (table, rawBytes) = try makeTable(rows: rows)
let rawMB = Double(rawBytes) / 1e6
let encoder = ChunkEncoder()
let decoder = ChunkDecoder()

print("loom-bench-wire: \(rows) rows × \(table.columnCount) columns (6 float64 with 3 decimals, 2 int64 of small range, 2 strings of 20 distinct values), \(format(rawMB, 1)) MB raw, chunks of \(ChunkEncoder.defaultRowsPerChunk) rows, best of \(runs) runs")

let transferOnly = CommandLine.arguments.dropFirst().contains("--transfer-only")
var chunks: [[UInt8]] = try transferOnly ? encoder.encodeChunks(table, concurrency: 2) : []
for threads in [1, 2] where !transferOnly {
    let (time, encoded) = try best(runs: runs) { try encoder.encodeChunks(table, concurrency: threads) }
    chunks = encoded
    print("chunk encode, \(threads) thread\(threads == 1 ? " " : "s"): \(format(rawMB / time)) MB/s")
}
let compressed = chunks.reduce(0) { $0 + $1.count }
if !transferOnly {
    print("compressed size: \(format(Double(compressed) / 1e6, 1)) MB in \(chunks.count) chunks (\(format(Double(rawBytes) / Double(compressed), 2))× smaller than raw)")
    var perColumn = [String]()
    for column in table.columns {
        let single = try Table(columns: [column])
        let size = try encoder.encodeChunks(single).reduce(0) { $0 + $1.count }
        perColumn.append("\(column.name) \(format(Double(size) / 1e6, 2))")
    }
    print("  per column, MB: " + perColumn.joined(separator: ", "))
    for threads in [1, 2] {
        let (time, _) = try best(runs: runs) { try decoder.decodeChunks(chunks, concurrency: threads) }
        print("chunk decode, \(threads) thread\(threads == 1 ? " " : "s"): \(format(rawMB / time)) MB/s")
    }
    // The decoded chunks hold exactly the table's rows.
    let decoded = try decoder.decodeChunks(chunks)
    let reencoded = try decoded.map { try encoder.encode($0) }
    guard reencoded == chunks, decoded.map(\.rowCount).reduce(0, +) == rows else { fatalError("decoded chunks differ from the table") }

    // Small frames: a heartbeat holding one job, and a node progress event.
    let job = WireUUID(high: 1, low: 2)
    let messages: [(String, WireMessage)] = [
        ("heartbeat", .heartbeat(Heartbeat(sentAt: WireTime(millisecondsSinceEpoch: 1), slotsInUse: 1, jobs: [.init(jobID: job, fencingToken: 7, lastProgressAt: WireTime(millisecondsSinceEpoch: 1))]))),
        ("node progress", .nodeProgress(NodeProgress(jobID: job, fencingToken: 7, nodeID: "train", fraction: 0.5, at: WireTime(millisecondsSinceEpoch: 1), message: "epoch 5/10"))),
    ]
    let frameCount = 1_000_000
    let batch = 10_000
    for (name, message) in messages {
        let frameEncoder = FrameEncoder()
        var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
        let (encodeTime, frameSize) = try best(runs: 3) { () throws -> Int in
            for _ in 0..<(frameCount / batch) {
                buffer.clear()
                for _ in 0..<batch { try frameEncoder.encode(message, into: &buffer) }
            }
            return buffer.readableBytes / batch
        }
        buffer.clear()
        for _ in 0..<batch { try frameEncoder.encode(message, into: &buffer) }
        let frames = buffer
        let (decodeTime, decodedCount) = try best(runs: 3) { () throws -> Int in
            var count = 0
            var frameDecoder = FrameDecoder()
            for _ in 0..<(frameCount / batch) {
                var input = frames
                while try frameDecoder.next(&input) != nil { count += 1 }
            }
            return count
        }
        guard decodedCount == frameCount else { fatalError("decoded \(decodedCount) frames") }
        print("\(name) frames (\(frameSize) bytes): encode \(format(Double(frameCount) / encodeTime)) frames/s, decode \(format(Double(frameCount) / decodeTime)) frames/s")
    }

}

// Chunk transfer over loopback TCP, plain and with mutual TLS 1.3 (Transfer.swift).
let tls = try Transfer.certificates()
var links: [ShapedLink?] = [nil]
if let index = CommandLine.arguments.firstIndex(of: "--link"), index + 1 < CommandLine.arguments.count,
    let gigabits = Double(CommandLine.arguments[index + 1])
{
    links.append(try ShapedLink(gigabits: gigabits))
}
do {
    defer { links.forEach { $0?.remove() } }
    for link in links {
        var plainRate: Transfer.Rate?
        let path = link.map { "a \(format($0.gigabits, 1)) Gbit/s link" } ?? "loopback"
        for (name, security) in [("plain TCP", nil), ("mutual TLS 1.3", tls)] as [(String, (WorkerPortTLS, CoordinatorLinkTLS)?)] {
            let rate = try await Transfer.rate(chunks: chunks, rounds: 4, runs: 5, tls: security, over: link)
            let share = plainRate.map { ", \(format(100 * rate.megabytesPerSecond / $0.megabytesPerSecond))% of plain" } ?? ""
            print("chunk transfer over \(path), \(name): \(format(rate.megabytesPerSecond)) MB/s of chunks, \(format(rate.cpuSecondsPerGB, 2)) CPU s per GB (both ends)\(share)")
            plainRate = plainRate ?? rate
        }
    }
}
