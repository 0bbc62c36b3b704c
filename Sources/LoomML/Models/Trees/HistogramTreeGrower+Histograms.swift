// HistogramTreeGrower+Histograms: a node's histogram holds, for every feature, 256 bins of
// summed (gradient, hessian) pairs and row counts. The bin codes are row-major, so a build
// reads each of the node's rows once — its gradient pair and its d codes, one cache line —
// rather than gathering one scattered byte per feature per row. Large nodes split the
// features into one block per thread; each block still sums its bins in row order, so the
// sums are the same on any number of cores.

/// One node's histogram: bin b of feature f is slot `f * 256 + b` of both buffers.
struct NodeHistogram {
    static let binStride = 256

    let sums: UnsafeMutablePointer<SIMD2<Double>>
    let counts: UnsafeMutablePointer<UInt32>

    init(features: Int) {
        sums = .allocate(capacity: max(features, 1) * Self.binStride)
        counts = .allocate(capacity: max(features, 1) * Self.binStride)
    }

    func deallocate() {
        sums.deallocate()
        counts.deallocate()
    }
}

extension HistogramTreeGrower {
    func acquireHistogram() -> Int {
        if let index = freeHistograms.popLast() { return index }
        histogramPool.append(NodeHistogram(features: d))
        return histogramPool.count - 1
    }

    func releaseHistogram(_ index: Int) {
        if index >= 0 { freeHistograms.append(index) }
    }

    /// Fills the bins of `features` in histogram `index` from the training rows `samples[rows]`.
    func accumulate(_ index: Int, rows: Range<Int>, pairs: UnsafePointer<SIMD2<Double>>, features: Range<Int>) {
        let histogram = histogramPool[index]
        let d = self.d
        let members = UnsafePointer(samples + rows.lowerBound)
        let codes = UnsafePointer(binned)
        for f in features {
            let slot = f * NodeHistogram.binStride
            (histogram.sums + slot).initialize(repeating: SIMD2(), count: binCounts[f])
            (histogram.counts + slot).initialize(repeating: 0, count: binCounts[f])
        }
        for p in 0..<rows.count {
            let row = Int(members[p])
            let pair = pairs[row]
            let rowCodes = codes + row &* d
            for f in features {
                let slot = f &* NodeHistogram.binStride &+ Int(rowCodes[f])
                histogram.sums[slot] += pair
                histogram.counts[slot] &+= 1
            }
        }
    }

    /// Turns the bins of `features` in histogram `parent` into parent − `child`.
    func subtract(_ child: Int, from parent: Int, features: Range<Int>) {
        let c = histogramPool[child], p = histogramPool[parent]
        for f in features {
            let first = f * NodeHistogram.binStride
            for slot in first..<(first + binCounts[f]) {
                p.sums[slot] -= c.sums[slot]
                p.counts[slot] &-= c.counts[slot]
            }
        }
    }
}
