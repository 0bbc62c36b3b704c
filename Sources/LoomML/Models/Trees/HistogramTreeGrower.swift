// HistogramTreeGrower: grows one regression tree on gradients and hessians, leaf-wise (best
// first), as scikit-learn's HistGradientBoosting `TreeGrower` and LightGBM do: the splittable
// leaf with the largest gain is split next until `max_leaf_nodes` leaves exist. Each node's
// split comes from per-feature histograms of (gradient, hessian, count) over its bins; only
// the smaller child's histogram is built and the sibling's is the parent's minus it. With
// the squared error every hessian is 1, so a bin's hessian sum is its row count and no
// separate counts are kept.
//
// gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), leaf value = −G/(H+λ) × learning_rate,
// both children need `min_samples_leaf` rows and a hessian sum of at least 1e-3.
//
// The work is spread over the cores as scikit-learn spreads it: histograms and split
// search by blocks of features, partitioning by blocks of rows (see the
// `HistogramTreeGrower+…` files). Every sum is taken in the same row order whatever the
// number of threads, so a fit does not depend on how many cores ran it.

struct HistogramGrowerParameters: Sendable {
    var maxLeafNodes: Int
    var maxDepth: Int
    var minSamplesLeaf: Int
    var l2Regularization: Double
    var learningRate: Double
    var threadCount: Int?
    static let minHessianToSplit = 1e-3
}

/// Grows trees on one binned training set; owns its scratch memory (one per fit).
final class HistogramTreeGrower {
    /// Column-major bin codes: feature f's codes of rows 0..<n start at `binned + f * n`
    /// (what a partition reads: one feature of the node's rows).
    let binned: UnsafeMutablePointer<UInt8>
    /// The same codes in quads of features, for the histograms: the codes of features
    /// 4q…4q+3 of row r are the four bytes of `quads[q * n + r]` (feature 4q in the
    /// lowest; the last quad is padded with code 0), so a histogram pass reads one word per
    /// row for four features.
    let quads: UnsafeMutablePointer<UInt32>
    let quadCount: Int
    let n: Int
    let d: Int
    let binCounts: [Int]
    /// The bins of all features together (the bins a node's split search scores).
    let binTotal: Int
    let edges: [[Double]]
    let parameters: HistogramGrowerParameters
    let threads: Int
    /// Every hessian is 1 (the squared error): histograms keep no counts.
    let constantHessian: Bool
    /// The training rows of every node, each node a contiguous range (rows of one leaf
    /// stay together as the tree grows).
    let samples: UnsafeMutablePointer<Int32>
    /// Where partitioning puts a node's right-hand rows before copying them back.
    let scratch: UnsafeMutablePointer<Int32>
    /// The gradient pairs of the node whose histogram is being built, in the order of its
    /// rows in `samples`, so that every feature's pass reads them in sequence.
    let ordered: UnsafeMutablePointer<SIMD2<Double>>
    var histogramPool: [NodeHistogram] = []
    var freeHistograms: [Int] = []
    /// Gain summed per feature over every split made, for importances.
    private(set) var gains: [Double]

    /// `codes`: the binner's column-major codes of the `rows` training rows.
    init(binned codes: [UInt8], rows: Int, binner: FeatureBinner, constantHessian: Bool, parameters: HistogramGrowerParameters) {
        n = rows
        d = binner.thresholds.count
        binned = .allocate(capacity: max(codes.count, 1))
        binned.initialize(from: codes, count: codes.count)
        quadCount = (d + 3) / 4
        quads = .allocate(capacity: max(quadCount * rows, 1))
        for q in 0..<quadCount {
            for r in 0..<rows {
                var word: UInt32 = 0
                for lane in 0..<min(4, d - 4 * q) { word |= UInt32(codes[(4 * q + lane) * rows + r]) << (8 * lane) }
                quads[q * rows + r] = word
            }
        }
        binCounts = binner.binCounts
        binTotal = binCounts.reduce(0, +)
        edges = binner.thresholds
        self.parameters = parameters
        threads = TreeParallel.threadCount(parameters.threadCount)
        self.constantHessian = constantHessian
        samples = .allocate(capacity: max(rows, 1))
        scratch = .allocate(capacity: max(rows, 1))
        ordered = .allocate(capacity: max(rows, 1))
        gains = [Double](repeating: 0, count: d)
    }

    deinit {
        binned.deallocate()
        quads.deallocate()
        samples.deallocate()
        scratch.deallocate()
        ordered.deallocate()
        for histogram in histogramPool { histogram.deallocate() }
    }

    struct Split {
        var feature = -1
        var bin = 0
        var gain = -1.0
        var leftGradient = 0.0
        var leftHessian = 0.0
        var leftCount = 0
    }

    struct Node {
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

    /// Grows a tree on `pairs` (each training row's gradient and hessian; hessian 1 for the
    /// squared error) and adds each training row's leaf value to `raw[i * stride + offset]`.
    func grow(
        pairs: UnsafePointer<SIMD2<Double>>, raw: inout [Double], stride: Int, offset: Int, control: FitControl
    ) throws(ModelError) -> HistogramTree {
        for i in 0..<n { samples[i] = Int32(i) }
        var tree = HistogramTree()
        var sum = SIMD2<Double>()
        for i in 0..<n { sum += pairs[i] }
        var root = Node(
            start: 0, end: n, depth: 0, gradient: sum.x, hessian: sum.y,
            id: tree.addLeaf(value: nodeValue(sum.x, sum.y)), histogram: -1
        )
        var leaves: [Node] = []
        var splittable: [Node] = []
        if canSplit(root) {
            root.histogram = acquireHistogram()
            root.split = buildAndSearch(root.histogram, rows: root.start..<root.end, pairs: pairs, subtractingFrom: nil, search: [root])[0]
        }
        if root.split.feature >= 0 { splittable.append(root) } else { leaves.append(root) }

        while !splittable.isEmpty {
            try control.checkCancellation()
            var bestIndex = 0
            for i in 1..<splittable.count where splittable[i].split.gain > splittable[bestIndex].split.gain { bestIndex = i }
            let parent = splittable.remove(at: bestIndex)
            let split = parent.split
            gains[split.feature] += split.gain
            tree.split(parent.id, feature: split.feature, bin: split.bin, threshold: edges[split.feature][split.bin])
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

            if leaves.count + splittable.count + 2 >= parameters.maxLeafNodes {
                releaseHistogram(parent.histogram)
                leaves.append(left)
                leaves.append(right)
                for node in splittable { releaseHistogram(node.histogram); leaves.append(node) }
                splittable.removeAll()
                break
            }
            let splitLeft = canSplit(left), splitRight = canSplit(right)
            if splitLeft || splitRight {
                // Build the smaller child's histogram; the sibling's is the parent's minus it.
                let leftIsSmaller = left.count <= right.count
                let small = acquireHistogram()
                left.histogram = leftIsSmaller ? small : parent.histogram
                right.histogram = leftIsSmaller ? parent.histogram : small
                let searched = [left, right].filter(canSplit)
                let splits = buildAndSearch(
                    small, rows: leftIsSmaller ? left.start..<left.end : right.start..<right.end, pairs: pairs,
                    subtractingFrom: parent.histogram, search: searched
                )
                if splitLeft { left.split = splits[0] }
                if splitRight { right.split = splits[splits.count - 1] }
            } else {
                releaseHistogram(parent.histogram)
            }
            for child in [left, right] {
                if child.split.feature >= 0 {
                    splittable.append(child)
                } else {
                    releaseHistogram(child.histogram)
                    leaves.append(child)
                }
            }
        }
        for i in tree.nodes.indices { tree.nodes[i].value *= parameters.learningRate }
        raw.withUnsafeMutableBufferPointer { raw in
            for leaf in leaves {
                let value = tree.nodes[leaf.id].value
                for p in leaf.start..<leaf.end { raw[Int(samples[p]) * stride + offset] += value }
            }
        }
        return tree
    }

    private func canSplit(_ node: Node) -> Bool {
        node.depth < parameters.maxDepth && node.count >= 2 * parameters.minSamplesLeaf
            && node.hessian >= HistogramGrowerParameters.minHessianToSplit
    }

    @inline(__always)
    private func nodeValue(_ gradient: Double, _ hessian: Double) -> Double {
        -gradient / (hessian + parameters.l2Regularization + 1e-15)
    }
}
