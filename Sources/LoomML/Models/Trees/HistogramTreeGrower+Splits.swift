// HistogramTreeGrower+Splits: the best split of a node, found by scanning each feature's
// histogram from the lowest bin. Everything a split needs is per feature — building the
// smaller child's bins, subtracting them from the parent's to get the sibling's, scanning
// both children — so one parallel pass over blocks of features does it all, with one
// wake-up of the other cores per split rather than one per step. The per-feature bests
// are then compared in feature order: the first largest gain wins, as in one sequential
// scan.

extension HistogramTreeGrower {
    /// Below this many row-feature updates a node stays on one core: waking another thread
    /// costs more than it saves.
    static let parallelHistogramWork = 40_000

    /// Builds histogram `histogram` over the rows `samples[rows]`; when `parent` is given,
    /// turns the parent's histogram into parent − built (the sibling's); then returns the
    /// best split of each of `nodes` (whose histograms are those two), in their order.
    func buildAndSearch(
        _ histogram: Int, rows: Range<Int>, pairs: UnsafePointer<SIMD2<Double>>, subtractingFrom parent: Int?,
        search nodes: [Node]
    ) -> [Split] {
        let d = self.d
        let blocks = rows.count * d >= Self.parallelHistogramWork ? min(d, threads) : 1
        if rows != 0..<n { gatherGradients(rows: rows, pairs: pairs) }
        var best = [Split](repeating: Split(), count: nodes.count * d)
        best.withUnsafeMutableBufferPointer { best in
            let best = best.baseAddress!
            TreeParallel.forEach(count: blocks, threads: blocks) { block in
                let features = (d * block / blocks)..<(d * (block + 1) / blocks)
                accumulate(histogram, rows: rows, pairs: pairs, features: features)
                if let parent { subtract(histogram, from: parent, features: features) }
                for (i, node) in nodes.enumerated() {
                    for f in features { best[i * d + f] = bestSplit(node, feature: f) }
                }
            }
        }
        return nodes.indices.map { i in
            var found = Split()
            for f in 0..<d where best[i * d + f].gain > found.gain { found = best[i * d + f] }
            return found
        }
    }

    /// The best split of `node` on feature `f`, or a split with feature −1 if none helps.
    private func bestSplit(_ node: Node, feature f: Int) -> Split {
        let histogram = histogramPool[node.histogram]
        let first = f * NodeHistogram.binStride
        let sums = histogram.sums + first
        let minLeaf = parameters.minSamplesLeaf
        let minHessian = HistogramGrowerParameters.minHessianToSplit
        let l2 = parameters.l2Regularization + 1e-15
        let parentLoss = node.gradient * node.gradient / (node.hessian + l2)
        var best = Split()
        var left = SIMD2<Double>()
        var countLeft = 0
        for b in 0..<max(binCounts[f] - 1, 0) {
            // An empty bin moves no row: its split is the previous bin's, already weighed.
            let count = histogram.count(first + b)
            if count == 0 { continue }
            left += sums[b]
            countLeft += count
            if countLeft < minLeaf { continue }
            if node.count - countLeft < minLeaf { break }
            let hessianRight = node.hessian - left.y
            if left.y < minHessian { continue }
            if hessianRight < minHessian { break }
            let gradientRight = node.gradient - left.x
            let gain = left.x * left.x / (left.y + l2) + gradientRight * gradientRight / (hessianRight + l2) - parentLoss
            if gain > best.gain && gain > 0 {
                best = Split(feature: f, bin: b, gain: gain, leftGradient: left.x, leftHessian: left.y, leftCount: countLeft)
            }
        }
        return best
    }
}
