// FeatureBinner: maps each feature to at most `max_bins` (≤ 255) ordered bins, as
// scikit-learn's `_BinMapper` does for HistGradientBoosting: with few distinct values the
// thresholds are the midpoints between them; otherwise they are the (numpy "midpoint")
// percentiles at 1/max_bins, 2/max_bins, …, computed on at most 200,000 rows drawn at
// random. A value goes to the first bin whose threshold is at least the value.
//
// Speed: each sampled column is sorted by a radix sort on the doubles' bit patterns (a
// comparison sort spent a tenth of a whole fit here), and a value is binned by a
// branch-free search over its feature's thresholds padded to 255 with +∞ (eight steps,
// no mispredicted branches).

import Synchronization

struct FeatureBinner: Sendable, Equatable {
    static let subsampleSize = 200_000

    /// Ascending thresholds per feature; feature f has `thresholds[f].count + 1` bins.
    let thresholds: [[Double]]
    /// `thresholds[f]` padded with +∞ to `searchWidth` slots, feature after feature.
    private let padded: [Double]
    /// Slots searched per feature: 255 thresholds at most, and every step of an eight-step
    /// search (128 + 64 + … + 1) stays inside them.
    private static let searchWidth = 255

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
            let column = Self.sorted(sampled.map { x.values[$0 * x.columns + f] })
            let edges = Self.thresholds(sorted: column, maxBins: maxBins)
            result.withLock { $0[f] = edges }
        }
        thresholds = result.withLock { $0 }
        var padded = [Double](repeating: .infinity, count: thresholds.count * Self.searchWidth)
        for (f, edges) in thresholds.enumerated() {
            for (b, edge) in edges.enumerated() { padded[f * Self.searchWidth + b] = edge }
        }
        self.padded = padded
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

    /// `values` in ascending order: a least-significant-digit radix sort, a byte at a time,
    /// of keys that order as the doubles do (the sign bit flipped for positive numbers,
    /// every bit for negative ones). A byte that all keys share is not sorted on.
    static func sorted(_ values: [Double]) -> [Double] {
        let count = values.count
        var keys = values.map { value -> UInt64 in
            let bits = value.bitPattern
            return bits >> 63 == 0 ? bits | (1 << 63) : ~bits
        }
        var buffer = [UInt64](repeating: 0, count: count)
        var histograms = [Int](repeating: 0, count: 8 * 256)
        for key in keys {
            for digit in 0..<8 { histograms[digit * 256 + Int((key >> (8 * digit)) & 0xFF)] += 1 }
        }
        for digit in 0..<8 {
            let first = digit * 256
            let sample = Int((keys.first.map { $0 >> (8 * digit) } ?? 0) & 0xFF)
            if histograms[first + sample] == count { continue }
            var offset = 0
            for b in first..<(first + 256) {
                let size = histograms[b]
                histograms[b] = offset
                offset += size
            }
            keys.withUnsafeBufferPointer { source in
                buffer.withUnsafeMutableBufferPointer { target in
                    histograms.withUnsafeMutableBufferPointer { starts in
                        let starts = starts.baseAddress! + first
                        for key in source {
                            let b = Int((key >> (8 * digit)) & 0xFF)
                            target[starts[b]] = key
                            starts[b] &+= 1
                        }
                    }
                }
            }
            swap(&keys, &buffer)
        }
        return keys.map { key in Double(bitPattern: key >> 63 == 1 ? key & ~(1 << 63) : ~key) }
    }

    /// The number of bins of each feature.
    var binCounts: [Int] { thresholds.map { $0.count + 1 } }

    /// Bins `rows` of `x`, column-major: `result[f * rows.count + i]` (a tree's histograms
    /// and partitions read one feature of many rows). Rows are cut into one block per
    /// thread.
    func bin(_ x: FeatureMatrixView, rows: [Int], threads: Int?) -> [UInt8] {
        let count = rows.count, d = x.columns
        var binned = [UInt8](repeating: 0, count: count * d)
        let blocks = count >= 10_000 ? TreeParallel.threadCount(threads) : 1
        binned.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            x.values.withUnsafeBufferPointer { values in
                padded.withUnsafeBufferPointer { padded in
                    TreeParallel.forEach(count: blocks, threads: blocks) { block in
                        for i in (count * block / blocks)..<(count * (block + 1) / blocks) {
                            let row = values.baseAddress! + rows[i] * d
                            for f in 0..<d {
                                out[f * count + i] = Self.bin(row[f], padded.baseAddress! + f * Self.searchWidth)
                            }
                        }
                    }
                }
            }
        }
        return binned
    }

    /// The number of thresholds below `value` among 255 ascending ones (padded with +∞):
    /// the bin of the first threshold at least `value`.
    @inline(__always)
    static func bin(_ value: Double, _ edges: UnsafePointer<Double>) -> UInt8 {
        var base = 0
        var step = 128
        while step > 0 {
            base &+= edges[base &+ step &- 1] < value ? step : 0
            step >>= 1
        }
        return UInt8(truncatingIfNeeded: base)
    }
}
