// HistogramTreeGrower: grows one regression tree on gradients and hessians, leaf-wise (best
// first), as scikit-learn's HistGradientBoosting `TreeGrower` and LightGBM do: the splittable
// leaf with the largest gain is split next until `max_leaf_nodes` leaves exist. Each node's
// split comes from per-feature histograms of (gradient, hessian, count) over its bins; only
// the smaller child's histogram is built and the sibling's is the parent's minus it.
//
// gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), leaf value = −G/(H+λ) × learning_rate,
// both children need `min_samples_leaf` rows and a hessian sum of at least 1e-3.

struct HistogramGrowerParameters: Sendable {
    var maxLeafNodes: Int
    var maxDepth: Int
    var minSamplesLeaf: Int
    var l2Regularization: Double
    var learningRate: Double
    var threadCount: Int?
    static let minHessianToSplit = 1e-3
}

private struct HistogramBin {
    var gradient = 0.0
    var hessian = 0.0
    var count = 0.0
}

/// Grows trees on one binned training set; owns its scratch memory (one per fit).
final class HistogramTreeGrower {
    private static let binStride = 256

    private let binned: [UInt8]
    private let n: Int
    private let d: Int
    private let binCounts: [Int]
    private let edges: [[Double]]
    private let parameters: HistogramGrowerParameters
    private let samples: UnsafeMutablePointer<Int32>
    private let scratch: UnsafeMutablePointer<Int32>
    private let orderedGradients: UnsafeMutablePointer<Double>
    private let orderedHessians: UnsafeMutablePointer<Double>
    private var histogramPool: [UnsafeMutablePointer<HistogramBin>] = []
    private var freeHistograms: [Int] = []
    /// Gain summed per feature over every split made, for importances.
    private(set) var gains: [Double]

    init(binned: [UInt8], rows: Int, binner: FeatureBinner, parameters: HistogramGrowerParameters) {
        self.binned = binned
        n = rows
        d = binner.thresholds.count
        binCounts = binner.binCounts
        edges = binner.thresholds
        self.parameters = parameters
        samples = .allocate(capacity: max(rows, 1))
        scratch = .allocate(capacity: max(rows, 1))
        orderedGradients = .allocate(capacity: max(rows, 1))
        orderedHessians = .allocate(capacity: max(rows, 1))
        gains = [Double](repeating: 0, count: d)
    }

    deinit {
        samples.deallocate()
        scratch.deallocate()
        orderedGradients.deallocate()
        orderedHessians.deallocate()
        for histogram in histogramPool { histogram.deallocate() }
    }

    private struct Split {
        var feature = -1
        var bin = 0
        var gain = -1.0
        var leftGradient = 0.0
        var leftHessian = 0.0
        var leftCount = 0
    }

    private struct Node {
        var start: Int
        var end: Int
        var depth: Int
        var gradient: Double
        var hessian: Double
        var id: Int
        var histogram: Int
        var split = Split()
        var count: Int { end - start }
    }

    /// Grows a tree on `gradients` and `hessians` (nil when every hessian is 1) and adds each
    /// training row's leaf value to `raw[i * stride + offset]`.
    func grow(
        gradients: [Double], hessians: [Double]?, raw: inout [Double], stride: Int, offset: Int,
        control: FitControl
    ) throws(ModelError) -> HistogramTree {
        for i in 0..<n { samples[i] = Int32(i) }
        var tree = HistogramTree()
        var gradientSum = 0.0, hessianSum = 0.0
        for i in 0..<n { gradientSum += gradients[i] }
        if let hessians { for i in 0..<n { hessianSum += hessians[i] } } else { hessianSum = Double(n) }
        var root = Node(
            start: 0, end: n, depth: 0, gradient: gradientSum, hessian: hessianSum,
            id: tree.addLeaf(value: nodeValue(gradientSum, hessianSum)), histogram: -1
        )
        var leaves: [Node] = []
        var splittable: [Node] = []
        if root.count >= 2 * parameters.minSamplesLeaf && root.hessian >= HistogramGrowerParameters.minHessianToSplit {
            root.histogram = acquireHistogram()
            buildHistogram(root, gradients: gradients, hessians: hessians)
            root.split = findSplit(root, constantHessian: hessians == nil)
        }
        if root.split.feature >= 0 { splittable.append(root) } else { finalize(root, &leaves) }

        while !splittable.isEmpty {
            try control.checkCancellation()
            var bestIndex = 0
            for i in 1..<splittable.count where splittable[i].split.gain > splittable[bestIndex].split.gain { bestIndex = i }
            let parent = splittable.remove(at: bestIndex)
            let split = parent.split
            gains[split.feature] += split.gain
            tree.feature[parent.id] = Int32(split.feature)
            tree.bin[parent.id] = UInt8(split.bin)
            tree.threshold[parent.id] = edges[split.feature][split.bin]
            partition(parent)
            let middle = parent.start + split.leftCount
            let rightGradient = parent.gradient - split.leftGradient
            let rightHessian = parent.hessian - split.leftHessian
            var left = Node(
                start: parent.start, end: middle, depth: parent.depth + 1,
                gradient: split.leftGradient, hessian: split.leftHessian,
                id: tree.addLeaf(value: nodeValue(split.leftGradient, split.leftHessian)), histogram: -1
            )
            var right = Node(
                start: middle, end: parent.end, depth: parent.depth + 1,
                gradient: rightGradient, hessian: rightHessian,
                id: tree.addLeaf(value: nodeValue(rightGradient, rightHessian)), histogram: -1
            )
            tree.left[parent.id] = Int32(left.id)
            tree.right[parent.id] = Int32(right.id)

            if leaves.count + splittable.count + 2 >= parameters.maxLeafNodes {
                releaseHistogram(parent.histogram)
                finalize(left, &leaves)
                finalize(right, &leaves)
                for node in splittable { releaseHistogram(node.histogram); finalize(node, &leaves) }
                splittable.removeAll()
                break
            }
            let canSplit = { (node: Node) -> Bool in
                node.depth < self.parameters.maxDepth && node.count >= 2 * self.parameters.minSamplesLeaf
                    && node.hessian >= HistogramGrowerParameters.minHessianToSplit
            }
            let splitLeft = canSplit(left), splitRight = canSplit(right)
            if splitLeft || splitRight {
                // Build the smaller child's histogram; the sibling's is the parent's minus it.
                let leftIsSmaller = left.count <= right.count
                let smaller = leftIsSmaller ? left : right
                let small = acquireHistogram()
                buildHistogram(Node(
                    start: smaller.start, end: smaller.end, depth: 0, gradient: 0, hessian: 0, id: 0, histogram: small
                ), gradients: gradients, hessians: hessians)
                subtract(small, from: parent.histogram)
                if leftIsSmaller { left.histogram = small; right.histogram = parent.histogram } else {
                    right.histogram = small; left.histogram = parent.histogram
                }
            } else {
                releaseHistogram(parent.histogram)
            }
            for (var child, allowed) in [(left, splitLeft), (right, splitRight)] {
                if allowed { child.split = findSplit(child, constantHessian: hessians == nil) }
                if allowed && child.split.feature >= 0 {
                    splittable.append(child)
                } else {
                    if child.histogram >= 0 { releaseHistogram(child.histogram) }
                    finalize(child, &leaves)
                }
            }
        }
        for i in tree.value.indices { tree.value[i] *= parameters.learningRate }
        raw.withUnsafeMutableBufferPointer { raw in
            for leaf in leaves {
                let value = tree.value[leaf.id]
                for p in leaf.start..<leaf.end { raw[Int(samples[p]) * stride + offset] += value }
            }
        }
        return tree
    }

    private func finalize(_ node: Node, _ leaves: inout [Node]) {
        leaves.append(node)
    }

    @inline(__always)
    private func nodeValue(_ gradient: Double, _ hessian: Double) -> Double {
        -gradient / (hessian + parameters.l2Regularization + 1e-15)
    }

    private func acquireHistogram() -> Int {
        if let index = freeHistograms.popLast() { return index }
        histogramPool.append(.allocate(capacity: d * Self.binStride))
        return histogramPool.count - 1
    }

    private func releaseHistogram(_ index: Int) {
        if index >= 0 { freeHistograms.append(index) }
    }

    private func buildHistogram(_ node: Node, gradients: [Double], hessians: [Double]?) {
        let count = node.count
        gradients.withUnsafeBufferPointer { g in
            for p in 0..<count { orderedGradients[p] = g[Int(samples[node.start + p])] }
        }
        if let hessians {
            hessians.withUnsafeBufferPointer { h in
                for p in 0..<count { orderedHessians[p] = h[Int(samples[node.start + p])] }
            }
        }
        nonisolated(unsafe) let histogram = histogramPool[node.histogram]
        nonisolated(unsafe) let rows = samples + node.start
        nonisolated(unsafe) let g = UnsafePointer(orderedGradients)
        nonisolated(unsafe) let h = UnsafePointer(orderedHessians)
        let withHessians = hessians != nil
        let n = self.n
        binned.withUnsafeBufferPointer { binned in
            nonisolated(unsafe) let binned = binned
            let threads = count * d >= 200_000 ? parameters.threadCount : 1
            TreeParallel.forEach(count: d, threads: threads) { f in
                let bins = histogram + f * Self.binStride
                bins.initialize(repeating: HistogramBin(), count: Self.binStride)
                let column = binned.baseAddress! + f * n
                if withHessians {
                    for p in 0..<count {
                        let b = Int(column[Int(rows[p])])
                        bins[b].gradient += g[p]
                        bins[b].hessian += h[p]
                        bins[b].count += 1
                    }
                } else {
                    for p in 0..<count {
                        let b = Int(column[Int(rows[p])])
                        bins[b].gradient += g[p]
                        bins[b].count += 1
                    }
                }
            }
        }
    }

    /// Turns histogram `parent` into parent − `child`.
    private func subtract(_ child: Int, from parent: Int) {
        let c = histogramPool[child], p = histogramPool[parent]
        for i in 0..<(d * Self.binStride) {
            p[i].gradient -= c[i].gradient
            p[i].hessian -= c[i].hessian
            p[i].count -= c[i].count
        }
    }

    private func findSplit(_ node: Node, constantHessian: Bool) -> Split {
        let histogram = histogramPool[node.histogram]
        let minLeaf = Double(parameters.minSamplesLeaf)
        let minHessian = HistogramGrowerParameters.minHessianToSplit
        let l2 = parameters.l2Regularization + 1e-15
        let total = Double(node.count)
        let parentLoss = node.gradient * node.gradient / (node.hessian + l2)
        var best = Split()
        for f in 0..<d {
            let bins = histogram + f * Self.binStride
            var gradientLeft = 0.0, hessianLeft = 0.0, countLeft = 0.0
            for b in 0..<max(binCounts[f] - 1, 0) {
                gradientLeft += bins[b].gradient
                hessianLeft += constantHessian ? bins[b].count : bins[b].hessian
                countLeft += bins[b].count
                let countRight = total - countLeft
                if countLeft < minLeaf { continue }
                if countRight < minLeaf { break }
                let hessianRight = node.hessian - hessianLeft
                if hessianLeft < minHessian { continue }
                if hessianRight < minHessian { break }
                let gradientRight = node.gradient - gradientLeft
                let gain = gradientLeft * gradientLeft / (hessianLeft + l2)
                    + gradientRight * gradientRight / (hessianRight + l2) - parentLoss
                if gain > best.gain && gain > 0 {
                    best = Split(
                        feature: f, bin: b, gain: gain, leftGradient: gradientLeft, leftHessian: hessianLeft,
                        leftCount: Int(countLeft)
                    )
                }
            }
        }
        return best
    }

    /// Stably moves the node's rows whose bin is at most the split bin to its front.
    private func partition(_ node: Node) {
        let column = node.split.feature * n
        let threshold = UInt8(node.split.bin)
        binned.withUnsafeBufferPointer { binned in
            var left = node.start
            var right = 0
            for p in node.start..<node.end {
                let row = samples[p]
                let isLeft = binned[column + Int(row)] <= threshold ? 1 : 0
                samples[left] = row
                scratch[right] = row
                left += isLeft
                right += 1 - isLeft
            }
            (samples + left).update(from: scratch, count: right)
        }
    }
}
