// HistogramTreeGrower+Splits: the best split of a node, found by scanning each feature's
// histogram from the lowest bin. Everything a split needs is per feature — building the
// smaller child's bins, subtracting them from the parent's to get the sibling's, scanning
// both children — so one parallel pass over blocks of features does it all, with one
// wake-up of the other cores per split rather than one per step. The per-feature bests
// are then compared in feature order: the first largest gain wins, as in one sequential
// scan.

extension HistogramTreeGrower {
    /// Below this much work (row-feature updates, plus bins scored counted twice, as a
    /// bin's score costs a division) a node stays on one core: waking another thread costs
    /// more than it saves. The split search alone, about 10,000 bins for two children of
    /// 20 features, is enough to share.
    static let parallelWork = 20_000

    /// Builds histogram `histogram` over the rows `samples[rows]`; when `parent` is given,
    /// turns the parent's histogram into parent − built (the sibling's); then returns the
    /// best split of each of `nodes` (whose histograms are those two), in their order.
    func buildAndSearch(
        _ histogram: Int, rows: Range<Int>, pairs: UnsafePointer<SIMD2<Double>>, subtractingFrom parent: Int?,
        search nodes: [Node]
    ) -> [Split] {
        let d = self.d
        let work = rows.count * d + 2 * nodes.count * binTotal
        // One block per quad of features: a thread that wakes late still finds quads to take.
        let blocks = work >= Self.parallelWork ? quadCount : 1
        if rows != 0..<n { gatherGradients(rows: rows, pairs: pairs) }
        var best = [Split](repeating: Split(), count: nodes.count * d)
        best.withUnsafeMutableBufferPointer { best in
            let best = best.baseAddress!
            TreeParallel.forEach(count: blocks, threads: threads) { block in
                let quadRange = (quadCount * block / blocks)..<(quadCount * (block + 1) / blocks)
                let features = (4 * quadRange.lowerBound)..<min(d, 4 * quadRange.upperBound)
                accumulate(histogram, rows: rows, pairs: pairs, quads: quadRange)
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
    /// Two passes over the bins: the first scores every bin as a split point (`score`), with
    /// no dependence from one bin to the next but the running sums; the second finds the
    /// first best score above the parent's, G²/(H+λ). Mixing the two in one loop, with its
    /// early exits, made every bin wait on the previous one.
    private func bestSplit(_ node: Node, feature f: Int) -> Split {
        let histogram = histogramPool[node.histogram]
        let first = f * NodeHistogram.binStride
        let sums = UnsafePointer(histogram.sums + first)
        let candidates = max(binCounts[f] - 1, 0)
        let l2 = SIMD2<Double>(repeating: parameters.l2Regularization + 1e-15)
        let total = SIMD2(node.gradient, node.hessian)
        let parentScore = node.gradient * node.gradient / (node.hessian + l2.x)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: NodeHistogram.binStride) { scores in
            let scores = scores.baseAddress!
            let minLeaf = Double(parameters.minSamplesLeaf), minHessian = HistogramGrowerParameters.minHessianToSplit
            if let counts = histogram.counts.map({ UnsafePointer($0 + first) }) {
                let limits = SIMD4(minLeaf, minLeaf, minHessian, minHessian), count = Double(node.count)
                // Row counts summed as doubles, exactly (they stay far below 2⁵³), so that
                // the four limits are one vector comparison.
                var countLeft = 0.0
                Self.score(sums, candidates, total: total, l2: l2, into: scores) { left, right, b in
                    countLeft += Double(counts[b])
                    return all(SIMD4(countLeft, count - countLeft, left.y, right.y) .>= limits)
                }
            } else {
                // Every hessian is 1: a side's hessian sum is its row count, exactly, and
                // min_samples_leaf (at least 1) is the stricter limit.
                Self.score(sums, candidates, total: total, l2: l2, into: scores) { left, right, _ in
                    all(SIMD2(left.y, right.y) .>= SIMD2(repeating: minLeaf))
                }
            }
            // Strictly greater: an empty bin repeats the previous bin's split and never wins.
            var bestBin = -1, bestScore = parentScore
            for b in 0..<candidates where scores[b] > bestScore {
                bestScore = scores[b]
                bestBin = b
            }
            guard bestBin >= 0 else { return Split() }
            var left = SIMD2<Double>()
            var countLeft = 0
            for b in 0...bestBin {
                left += sums[b]
                countLeft += histogram.count(first + b)
            }
            return Split(
                feature: f, bin: bestBin, gain: bestScore - parentScore, leftGradient: left.x, leftHessian: left.y,
                leftCount: countLeft
            )
        }
    }

    /// Scores each of the first `candidates` bins as a split point (the rows of bins 0...b
    /// go left): G_L²/(H_L+λ) + G_R²/(H_R+λ), as one SIMD2 division, or −∞ where
    /// `allowed(left, right, b)` (the sides' (G, H) sums) says a side is too small. `allowed`
    /// is called for b in order.
    @inline(__always)
    private static func score(
        _ sums: UnsafePointer<SIMD2<Double>>, _ candidates: Int, total: SIMD2<Double>, l2: SIMD2<Double>,
        into scores: UnsafeMutablePointer<Double>, allowed: (SIMD2<Double>, SIMD2<Double>, Int) -> Bool
    ) {
        var left = SIMD2<Double>()
        for b in 0..<candidates {
            left += sums[b]
            let right = total - left
            // (G_L, G_R)² / (H_L + λ, H_R + λ)
            let gradients = SIMD2(left.x, right.x), hessians = SIMD2(left.y, right.y)
            let parts = gradients * gradients / (hessians + l2)
            scores[b] = allowed(left, right, b) ? parts.x + parts.y : -.infinity
        }
    }
}
