/// The mergeable summary of one column over some rows: chunks are summarised on their
/// own threads and merged in order, so a profile never needs the whole column.
struct ColumnStatistics: Sendable {
    let type: ColumnType
    var count = 0
    var missing = 0
    // Numeric columns: moments over non-NaN values (Chan et al.'s parallel update).
    var momentCount = 0
    var mean = 0.0
    var m2 = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    /// The values kept for quartiles and histograms, with their rows' keys: every value
    /// whose key is at most `sampleThreshold` (see `ValueSample`).
    var sample = ValueSample()
    var distinct: DistinctCounter
    // String and bool columns.
    var valueCounts: [String: Int] = [:]
    var valueCountsPruned = false

    init(type: ColumnType, options: ProfileOptions, estimatesDistinct: Bool = false, sampleThreshold: UInt64 = .max) {
        self.type = type
        sample.threshold = sampleThreshold
        distinct = estimatesDistinct
            ? DistinctCounter(estimatingWithLimit: options.exactDistinctLimit) : DistinctCounter(limit: options.exactDistinctLimit)
    }

    /// Whether the distinct count is already an estimate (it never goes back to exact).
    var estimatesDistinct: Bool { distinct.isEstimated }

    /// Statistics of `column`. `keys` are its rows' sample keys; values whose key is above
    /// `sampleThreshold` are left out of the sample (the dataset's sample has dropped them
    /// already). `estimatesDistinct` when the dataset's count of the column is an
    /// estimate already.
    init(
        column: Column, keys: UnsafeBufferPointer<UInt64>, sampleThreshold: UInt64, options: ProfileOptions,
        estimatesDistinct: Bool = false
    ) {
        self.init(type: column.type, options: options, estimatesDistinct: estimatesDistinct)
        let validity = column.validity
        missing = column.nullCount
        count = column.count - missing
        sample.threshold = sampleThreshold
        @inline(__always) func present(_ row: Int) -> Bool { validity?[row] ?? true }
        switch column.values {
        case .float64(let values):
            values.withUnsafeBufferPointer { values in
                addNumbers(count: values.count, validity: validity, keys: keys, value: { values[$0] }) {
                    let x = values[$0]
                    return mix64(x == 0 ? 0 : x.bitPattern)
                }
            }
        case .int64(let values):
            values.withUnsafeBufferPointer { values in
                addNumbers(count: values.count, validity: validity, keys: keys, value: { Double(values[$0]) }) {
                    mix64(UInt64(bitPattern: values[$0]))
                }
            }
        case .bool(let values):
            var trues = 0
            for row in 0..<values.count where present(row) && values[row] { trues += 1 }
            if trues > 0 {
                valueCounts["true"] = trues
                distinct.add(hash: mix64(1))
            }
            if count - trues > 0 {
                valueCounts["false"] = count - trues
                distinct.add(hash: mix64(0))
            }
        case .string(let strings):
            addStrings(strings, present: present, options: options)
        }
    }

    /// Moments, extremes, the sample and distinct values over the present values that are
    /// not NaN (an int64 column's distinct values are its integers, NaN or not: it has
    /// none). `value(row)` and `hash(row)` read the column; the closures are inlined, so
    /// each loop reads the values in place: one loop for everything but the squared
    /// deviations, which need the chunk's mean first.
    @inline(__always)
    private mutating func addNumbers(
        count: Int, validity: ValidityBitmap?, keys: UnsafeBufferPointer<UInt64>, value: (Int) -> Double, hash: (Int) -> UInt64
    ) {
        let bits = validity?.bytes ?? []
        let hasValidity = validity != nil
        bits.withUnsafeBufferPointer { bits in
            @inline(__always) func present(_ row: Int) -> Bool { !hasValidity || bits[row &>> 3] & (1 &<< UInt8(row & 7)) != 0 }
            var sum = 0.0
            var n = 0
            var low = minimum
            var high = maximum
            var hashCount = 0
            var sampled = 0
            let threshold = sample.threshold
            let hashes = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: count)
            let sampleValues = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
            let sampleKeys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: count)
            defer {
                hashes.deallocate()
                sampleValues.deallocate()
                sampleKeys.deallocate()
            }
            for row in 0..<count where present(row) {
                let x = value(row)
                if type == .int64 || !x.isNaN {
                    hashes[hashCount] = hash(row)
                    hashCount &+= 1
                }
                if x.isNaN { continue }
                sum += x
                n &+= 1
                low = x < low ? x : low
                high = x > high ? x : high
                // Written always, kept when the key passes: a store, not a branch.
                let key = keys[row]
                sampleValues[sampled] = x
                sampleKeys[sampled] = key
                sampled &+= key <= threshold ? 1 : 0
            }
            minimum = low
            maximum = high
            distinct.add(hashes: UnsafeBufferPointer(rebasing: hashes[0..<hashCount]))
            sample.values.append(contentsOf: sampleValues[0..<sampled])
            sample.keys.append(contentsOf: sampleKeys[0..<sampled])
            guard n > 0 else { return }
            let chunkMean = sum / Double(n)
            var squares = 0.0
            var row = 0
            if !hasValidity {
                // Four sums at once: one sum would wait on its previous addition each value.
                var lanes = SIMD4<Double>()
                let mean = SIMD4<Double>(repeating: chunkMean)
                while row + 4 <= count {
                    let x = SIMD4(value(row), value(row &+ 1), value(row &+ 2), value(row &+ 3))
                    let deviation = x - mean
                    lanes += (deviation * deviation).replacing(with: 0, where: x .!= x)  // NaN is not itself
                    row &+= 4
                }
                squares = lanes.sum()
            }
            for row in row..<count where present(row) {
                let x = value(row)
                if x.isNaN { continue }
                let deviation = x - chunkMean
                squares += deviation * deviation
            }
            mergeMoments(count: n, mean: chunkMean, m2: squares)
        }
    }

    private mutating func mergeMoments(count n: Int, mean otherMean: Double, m2 otherM2: Double) {
        guard n > 0 else { return }
        if momentCount == 0 {
            momentCount = n
            mean = otherMean
            m2 = otherM2
            return
        }
        let total = Double(momentCount + n)
        let delta = otherMean - mean
        mean += delta * Double(n) / total
        m2 += otherM2 + delta * delta * Double(momentCount) * Double(n) / total
        momentCount += n
    }

    private mutating func addStrings(_ strings: StringArray, present: (Int) -> Bool, options: ProfileOptions) {
        var entries: [(bytes: [UInt8], count: Int)] = []
        switch strings.storage {
        case .dictionary(let dictionaryEntries, let codes):
            var counts = [Int](repeating: 0, count: dictionaryEntries.count)
            for row in 0..<codes.count where present(row) { counts[Int(codes[row])] += 1 }
            for (index, entry) in dictionaryEntries.enumerated() where counts[index] > 0 {
                entries.append((Array(entry.utf8), counts[index]))
            }
        case .plain(let offsets, let bytes):
            var dictionary = ByteDictionary()
            bytes.withUnsafeBytes { bytes in
                for row in 0..<(offsets.count - 1) where present(row) {
                    _ = dictionary.add(UnsafeRawBufferPointer(rebasing: bytes[Int(offsets[row])..<Int(offsets[row + 1])]))
                }
            }
            for index in 0..<dictionary.count {
                entries.append((Array(dictionary.entryBytes(index)), dictionary.counts[index]))
            }
        }
        for entry in entries {
            distinct.add(hash: entry.bytes.withUnsafeBytes { ByteDictionary.hash($0) })
        }
        if entries.count > options.exactDistinctLimit {
            entries.sort { $0.count > $1.count }
            entries.removeLast(entries.count - options.exactDistinctLimit / 2)
            valueCountsPruned = true
        }
        for entry in entries { valueCounts[String(decoding: entry.bytes, as: UTF8.self), default: 0] += entry.count }
    }

    mutating func merge(_ other: ColumnStatistics, options: ProfileOptions) {
        count += other.count
        missing += other.missing
        mergeMoments(count: other.momentCount, mean: other.mean, m2: other.m2)
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
        sample.merge(other.sample, limit: options.sampleSize)
        distinct.merge(other.distinct)
        for (value, count) in other.valueCounts { valueCounts[value, default: 0] += count }
        valueCountsPruned = valueCountsPruned || other.valueCountsPruned
        if valueCounts.count > options.exactDistinctLimit {
            let kept = valueCounts.sorted { $0.value > $1.value }.prefix(options.exactDistinctLimit / 2)
            valueCounts = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
            valueCountsPruned = true
        }
    }

    func profile(name: String, nullable: Bool, sampled: Bool, options: ProfileOptions) -> ColumnProfile {
        var profile = ColumnProfile(
            name: name, type: type.description, nullable: nullable, count: count, missing: missing,
            distinct: DistinctCount(value: distinct.count, estimated: distinct.isEstimated))
        switch type {
        case .float64, .int64:
            profile.numeric = numericSummary(sampled: sampled)
            profile.histogram = histogram(sampled: sampled, options: options)
        case .bool, .string:
            let top = valueCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(options.topValues)
            profile.topValues = top.map { ValueCount(value: $0.key, count: $0.value) }
            profile.topValuesEstimated = valueCountsPruned
        }
        return profile
    }

    private func numericSummary(sampled: Bool) -> NumericSummary {
        // Linear interpolation between the two sorted values around q·(n − 1), as numpy does.
        let quartiles = [0.25, 0.5, 0.75]
        let count = sample.values.count
        func ranks(_ q: Double) -> (lower: Int, upper: Int, fraction: Double) {
            let position = q * Double(count - 1)
            let lower = Int(position.rounded(.down))
            return (lower, Swift.min(lower + 1, count - 1), position - Double(lower))
        }
        var ranked = [Int: Double]()
        if count > 0 {
            let needed = Set(quartiles.flatMap { [ranks($0).lower, ranks($0).upper] }).sorted()
            var statistics = OrderStatistics(sample.values)
            ranked = Dictionary(uniqueKeysWithValues: zip(needed, statistics.values(atRanks: needed)))
        }
        func quantile(_ q: Double) -> Double? {
            guard count > 0 else { return nil }
            let (lower, upper, fraction) = ranks(q)
            return finite(ranked[lower]! + (ranked[upper]! - ranked[lower]!) * fraction)
        }
        let std = momentCount >= 2 ? (m2 / Double(momentCount - 1)).squareRoot() : nil
        return NumericSummary(
            min: momentCount > 0 ? finite(minimum) : nil, max: momentCount > 0 ? finite(maximum) : nil,
            mean: momentCount > 0 ? finite(mean) : nil, std: std.flatMap(finite),
            q1: quantile(0.25), median: quantile(0.5), q3: quantile(0.75), quartilesEstimated: sampled)
    }

    /// Bins as numpy.histogram makes them: edges `min + i·step` (the last exactly max), a
    /// value's bin found by scaling and then corrected against the edges.
    private func histogram(sampled: Bool, options: ProfileOptions) -> Histogram? {
        guard momentCount > 0, minimum.isFinite, maximum.isFinite, !sample.values.isEmpty else { return nil }
        let binCount = Swift.max(1, Swift.min(options.histogramBins, distinct.count))
        var edges = (0...binCount).map { minimum + Double($0) * ((maximum - minimum) / Double(binCount)) }
        edges[binCount] = maximum
        let scale = maximum > minimum ? Double(binCount) / (maximum - minimum) : 0
        var counts = [Int](repeating: 0, count: binCount)
        for value in sample.values where value.isFinite {
            var bin = Swift.min(Swift.max(Int((value - minimum) * scale), 0), binCount - 1)
            if bin > 0, value < edges[bin] { bin -= 1 }
            if bin < binCount - 1, value >= edges[bin + 1] { bin += 1 }
            counts[bin] += 1
        }
        let factor = sampled ? Double(momentCount) / Double(sample.values.count) : 1
        let bins = (0..<binCount).map { index in
            HistogramBin(
                lower: edges[index], upper: edges[index + 1],
                count: sampled ? Int((Double(counts[index]) * factor).rounded()) : counts[index])
        }
        return Histogram(bins: bins, estimated: sampled)
    }
}

@inline(__always)
func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

/// The values a column keeps for quartiles and histograms: a uniform sample of at most
/// `ProfileOptions.sampleSize` values, drawn without knowing the column's length.
///
/// Each row has a key, a hash of its chunk and position (`keys(chunk:count:)`), and the
/// sample holds exactly the values whose key is at most `threshold`. The threshold starts
/// at the maximum (every value kept) and halves whenever more than `limit` values pass
/// it. So the sample is the same whatever the order or grouping of the merges: it is
/// every value under the largest threshold max/2^j that at most `limit` of the column's
/// keys pass. Columns with at most `limit` values keep them all, and their quartiles
/// are exact.
struct ValueSample: Sendable {
    var values: [Double] = []
    var keys: [UInt64] = []
    var threshold = UInt64.max

    /// Whether values were dropped: the quartiles and histogram are estimates.
    var isSampled: Bool { threshold != .max }

    /// The keys of a chunk's rows: deterministic, so a dataset's sample is the same on
    /// every run and any number of threads.
    static func keys(chunk: Int, count: Int) -> [UInt64] {
        (0..<count).map { mix64(UInt64(truncatingIfNeeded: chunk) &<< 32 ^ UInt64(truncatingIfNeeded: $0) ^ 0x5EED_5A3B_1E00_0000) }
    }

    mutating func merge(_ other: ValueSample, limit: Int) {
        let threshold = min(self.threshold, other.threshold)
        if threshold < self.threshold { keep(below: threshold) }
        self.threshold = threshold
        if other.threshold <= threshold {
            values.append(contentsOf: other.values)
            keys.append(contentsOf: other.keys)
        } else {
            for index in other.keys.indices where other.keys[index] <= threshold {
                values.append(other.values[index])
                keys.append(other.keys[index])
            }
        }
        guard limit > 0 else { return }  // no limit: every value
        while values.count > limit {
            self.threshold /= 2
            keep(below: self.threshold)
        }
    }

    private mutating func keep(below threshold: UInt64) {
        var kept = 0
        for index in keys.indices where keys[index] <= threshold {
            keys[kept] = keys[index]
            values[kept] = values[index]
            kept += 1
        }
        keys.removeLast(keys.count - kept)
        values.removeLast(values.count - kept)
    }
}
