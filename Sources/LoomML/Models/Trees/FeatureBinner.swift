// FeatureBinner: maps each feature to at most `max_bins` (≤ 255) ordered bins, as
// scikit-learn's `_BinMapper` does for HistGradientBoosting: with few distinct values the
// thresholds are the midpoints between them; otherwise they are the (numpy "midpoint")
// percentiles at 1/max_bins, 2/max_bins, …, computed on at most 200,000 rows drawn at
// random. A value goes to the first bin whose threshold is at least the value.

import Synchronization

struct FeatureBinner: Sendable, Equatable {
    static let subsampleSize = 200_000

    /// Ascending thresholds per feature; feature f has `thresholds[f].count + 1` bins.
    let thresholds: [[Double]]

    /// Learns thresholds from `rows` of `x`.
    init(fitting x: FeatureMatrixView, rows: [Int], maxBins: Int, threads: Int?, random: inout SplitMix64) {
        var sample = rows
        if sample.count > Self.subsampleSize {
            for i in 0..<Self.subsampleSize {
                sample.swapAt(i, i + random.nextInt(below: sample.count - i))
            }
            sample.removeLast(sample.count - Self.subsampleSize)
        }
        // Features are independent: sort and cut them on every core.
        let result = Mutex<[[Double]]>([[Double]](repeating: [], count: x.columns))
        let sampled = sample
        TreeParallel.forEach(count: x.columns, threads: threads) { f in
            var column = sampled.map { x.values[$0 * x.columns + f] }
            column.sort()
            let edges = Self.thresholds(sorted: column, maxBins: maxBins)
            result.withLock { $0[f] = edges }
        }
        thresholds = result.withLock { $0 }
    }

    private static func thresholds(sorted: [Double], maxBins: Int) -> [Double] {
        var distinct: [Double] = []
        for value in sorted where distinct.last != value {
            distinct.append(value)
            if distinct.count > maxBins { break }
        }
        if distinct.count <= maxBins {
            var midpoints: [Double] = []
            for i in 0..<max(distinct.count - 1, 0) { midpoints.append((distinct[i] + distinct[i + 1]) * 0.5) }
            return midpoints
        }
        let last = Double(sorted.count - 1)
        var midpoints: [Double] = []
        midpoints.reserveCapacity(maxBins - 1)
        for k in 1..<maxBins {
            let position = Double(k) / Double(maxBins) * last
            let below = sorted[Int(position.rounded(.down))]
            let above = sorted[Int(position.rounded(.up))]
            midpoints.append((below + above) * 0.5)
        }
        return midpoints
    }

    /// The number of bins of each feature.
    var binCounts: [Int] { thresholds.map { $0.count + 1 } }

    /// Bins `rows` of `x`, row-major: `result[i * x.columns + f]`. Rows are cut into one
    /// block per thread, each reading and writing whole rows, so no two threads write to
    /// the same cache line.
    func bin(_ x: FeatureMatrixView, rows: [Int], threads: Int?) -> [UInt8] {
        let count = rows.count, d = x.columns
        var binned = [UInt8](repeating: 0, count: count * d)
        let blocks = count >= 10_000 ? TreeParallel.threadCount(threads) : 1
        binned.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            x.values.withUnsafeBufferPointer { values in
                TreeParallel.forEach(count: blocks, threads: blocks) { block in
                    for i in (count * block / blocks)..<(count * (block + 1) / blocks) {
                        let row = values.baseAddress! + rows[i] * d
                        for f in 0..<d {
                            out[i * d + f] = thresholds[f].withUnsafeBufferPointer { UInt8(Self.bin(row[f], $0)) }
                        }
                    }
                }
            }
        }
        return binned
    }

    @inline(__always)
    static func bin(_ value: Double, _ edges: UnsafeBufferPointer<Double>) -> Int {
        var low = 0
        var high = edges.count
        while low < high {
            let middle = (low + high) / 2
            if value <= edges[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
