// CARTBuilder: grows one CART tree depth-first the way scikit-learn's DepthFirstTreeBuilder
// with the BestSplitter does: at each node it draws features without replacement (skipping
// features already known to be constant) until it has seen `maxFeatures` of them and at least
// one that is not constant, and takes the split with the best impurity decrease, thresholds
// halfway between consecutive distinct float32 values (more than 1e-7 apart).
//
// Speed: rows are sorted by each feature once per fit (`TreeFeatureColumns.sortedRows`);
// every node owns one contiguous segment of each feature's (row, value) list, kept in sorted
// order by stable partitioning after each split, so a split search is one sequential scan
// and nothing is sorted or allocated per node.

import Foundation

struct CARTParameters: Sendable {
    enum Criterion: Sendable { case gini, entropy, squaredError }

    var criterion: Criterion
    /// Int.max when the depth is unlimited.
    var maxDepth: Int
    var minSamplesSplit: Int
    var minSamplesLeaf: Int
    var maxFeatures: Int
}

enum CARTTargets: Sendable {
    case classes([Int32], classCount: Int)
    case values([Double])
}

/// Builds one tree; owns its scratch memory, so one builder per thread.
final class CARTBuilder {
    private static let featureThreshold = 1e-7
    private static let epsilon = Double.ulpOfOne

    private let columns: TreeFeatureColumns
    private let targets: CARTTargets
    private let weights: [Double]
    private let parameters: CARTParameters
    private var random: ScikitTreeRandom
    private let control: FitControl

    private let n: Int
    private let d: Int
    private let m: Int
    private let width: Int
    private let order: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>
    private let scratchOrder: UnsafeMutablePointer<Int32>
    private let scratchValues: UnsafeMutablePointer<Float>
    private let goesLeft: UnsafeMutablePointer<UInt8>
    private let nodeCounts: UnsafeMutablePointer<Double>
    private let leftCounts: UnsafeMutablePointer<Double>
    private let nodeValue: UnsafeMutablePointer<Double>
    private var features: [Int]
    /// scikit-learn's `constant_features`: the known constant features in their original order.
    private var constantFeatures: [Int]
    private var workSinceCheck = 0

    /// `weights[i]` is row i's weight (bootstrap count); rows of weight 0 are left out as
    /// scikit-learn leaves them out, so `minSamplesLeaf` counts distinct rows.
    init(
        columns: TreeFeatureColumns,
        targets: CARTTargets,
        weights: [Double],
        parameters: CARTParameters,
        random: ScikitTreeRandom,
        control: FitControl
    ) {
        self.columns = columns
        self.targets = targets
        self.weights = weights
        self.parameters = parameters
        self.random = random
        self.control = control
        n = columns.rows
        d = columns.columns
        m = weights.reduce(0) { $1 != 0 ? $0 + 1 : $0 }
        switch targets {
        case .classes(_, let classCount): width = classCount
        case .values: width = 1
        }
        order = .allocate(capacity: max(d * m, 1))
        values = .allocate(capacity: max(d * m, 1))
        scratchOrder = .allocate(capacity: max(m, 1))
        scratchValues = .allocate(capacity: max(m, 1))
        goesLeft = .allocate(capacity: max(n, 1))
        nodeCounts = .allocate(capacity: width)
        leftCounts = .allocate(capacity: width)
        nodeValue = .allocate(capacity: width)
        features = Array(0..<d)
        constantFeatures = Array(0..<d)
    }

    deinit {
        order.deallocate()
        values.deallocate()
        scratchOrder.deallocate()
        scratchValues.deallocate()
        goesLeft.deallocate()
        nodeCounts.deallocate()
        leftCounts.deallocate()
        nodeValue.deallocate()
    }

    private struct PendingNode {
        var start: Int
        var end: Int
        var depth: Int
        var parent: Int
        var isLeft: Bool
        var constantCount: Int
        /// A feature whose segment is partitioned for this node (constant ones are not).
        var statsFeature: Int
    }

    private struct Split {
        var feature = -1
        var position = 0
        var threshold = 0.0
        var proxy = -Double.infinity
    }

    func build() throws(ModelError) -> CARTTree {
        loadSegments()
        var tree = CARTTree(outputWidth: width, featureCount: d)
        var impurities: [Double] = []
        var nodeWeights: [Double] = []
        var stack = [PendingNode(start: 0, end: m, depth: 0, parent: -1, isLeft: false, constantCount: 0, statsFeature: 0)]
        while let node = stack.popLast() {
            let count = node.end - node.start
            // Poll every 64 nodes or every ~2M row-feature visits, whichever comes first.
            workSinceCheck += count * d + (1 << 15)
            if workSinceCheck > 1 << 21 {
                workSinceCheck = 0
                try control.checkCancellation()
            }
            let (weight, impurity) = nodeStatistics(node)
            let id = tree.addNode(value: UnsafeBufferPointer(start: nodeValue, count: width))
            impurities.append(impurity)
            nodeWeights.append(weight)
            if node.parent >= 0 {
                if node.isLeft { tree.left[node.parent] = Int32(id) } else { tree.right[node.parent] = Int32(id) }
            }
            var isLeaf = node.depth >= parameters.maxDepth
                || count < parameters.minSamplesSplit
                || count < 2 * parameters.minSamplesLeaf
                || impurity <= Self.epsilon
            var split = Split()
            var constantCount = node.constantCount
            if !isLeaf {
                (split, constantCount) = findSplit(node, weight: weight)
                isLeaf = split.feature < 0
            }
            if isLeaf { continue }
            tree.feature[id] = Int32(split.feature)
            tree.threshold[id] = split.threshold
            partition(node, split: split, constantCount: constantCount)
            let right = PendingNode(
                start: split.position, end: node.end, depth: node.depth + 1, parent: id, isLeft: false,
                constantCount: constantCount, statsFeature: split.feature
            )
            let left = PendingNode(
                start: node.start, end: split.position, depth: node.depth + 1, parent: id, isLeft: true,
                constantCount: constantCount, statsFeature: split.feature
            )
            stack.append(right)
            stack.append(left)
        }
        computeImportances(&tree, impurities: impurities, weights: nodeWeights)
        return tree
    }

    /// Fills each feature's segment with the in-bag rows in sorted order, and their values.
    private func loadSegments() {
        columns.values.withUnsafeBufferPointer { columnValues in
            columns.sortedRows.withUnsafeBufferPointer { sorted in
                weights.withUnsafeBufferPointer { weights in
                    for f in 0..<d {
                        var p = f * m
                        for q in (f * n)..<(f * n + n) {
                            let row = Int(sorted[q])
                            if weights[row] != 0 {
                                order[p] = Int32(row)
                                values[p] = columnValues[f * n + row]
                                p += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The node's weighted size and impurity; leaves the node's value in `nodeValue` and its
    /// class weights (or sum, sum of squares) in `nodeCounts`.
    private func nodeStatistics(_ node: PendingNode) -> (weight: Double, impurity: Double) {
        let base = node.statsFeature * m
        return weights.withUnsafeBufferPointer { weights in
            switch targets {
            case .classes(let y, _):
                return y.withUnsafeBufferPointer { y in
                    for k in 0..<width { nodeCounts[k] = 0 }
                    var total = 0.0
                    for p in node.start..<node.end {
                        let row = Int(order[base + p])
                        nodeCounts[Int(y[row])] += weights[row]
                        total += weights[row]
                    }
                    var impurity = 0.0
                    switch parameters.criterion {
                    case .entropy:
                        for k in 0..<width where nodeCounts[k] > 0 {
                            let fraction = nodeCounts[k] / total
                            impurity -= fraction * log2Value(fraction)
                        }
                    case .gini, .squaredError:
                        var squares = 0.0
                        for k in 0..<width { squares += nodeCounts[k] * nodeCounts[k] }
                        impurity = 1 - squares / (total * total)
                    }
                    for k in 0..<width { nodeValue[k] = nodeCounts[k] / total }
                    return (total, impurity)
                }
            case .values(let y):
                return y.withUnsafeBufferPointer { y in
                    var total = 0.0, sum = 0.0, squares = 0.0
                    for p in node.start..<node.end {
                        let row = Int(order[base + p])
                        let w = weights[row]
                        total += w
                        sum += w * y[row]
                        squares += w * y[row] * y[row]
                    }
                    nodeCounts[0] = sum
                    let mean = sum / total
                    nodeValue[0] = mean
                    return (total, squares / total - mean * mean)
                }
            }
        }
    }

    /// The best split of `node` over the features drawn, and the node's constant-feature count
    /// for its children (`features[0..<count]` are constant in the node).
    private func findSplit(_ node: PendingNode, weight: Double) -> (Split, Int) {
        var best = Split()
        var remaining = d
        var drawnConstants = 0
        var foundConstants = 0
        var visited = 0
        let knownConstants = node.constantCount
        var totalConstants = knownConstants
        while remaining > totalConstants
            && (visited < parameters.maxFeatures || visited <= foundConstants + drawnConstants)
        {
            visited += 1
            var j = random.nextInt(from: drawnConstants, below: remaining - foundConstants)
            if j < knownConstants {
                features.swapAt(drawnConstants, j)
                drawnConstants += 1
                continue
            }
            j += foundConstants
            let feature = features[j]
            let base = feature * m
            if Double(values[base + node.end - 1]) <= Double(values[base + node.start]) + Self.featureThreshold {
                features.swapAt(j, totalConstants)
                foundConstants += 1
                totalConstants += 1
                continue
            }
            remaining -= 1
            features.swapAt(remaining, j)
            scan(feature: feature, node: node, weight: weight, best: &best)
        }
        // As scikit-learn: restore the known constants' order for siblings and descendants,
        // then record the newly found ones after them.
        for i in 0..<knownConstants { features[i] = constantFeatures[i] }
        for i in knownConstants..<totalConstants { constantFeatures[i] = features[i] }
        return (best, totalConstants)
    }

    private func scan(feature: Int, node: PendingNode, weight: Double, best: inout Split) {
        let base = feature * m
        let minLeaf = parameters.minSamplesLeaf
        let (start, end) = (node.start, node.end)
        var candidate = -Double.infinity
        var position = -1
        weights.withUnsafeBufferPointer { weights in
            switch targets {
            case .classes(let y, _):
                y.withUnsafeBufferPointer { y in
                    for k in 0..<width { leftCounts[k] = 0 }
                    var leftWeight = 0.0
                    var leftSquares = 0.0
                    var rightSquares = 0.0
                    for k in 0..<width { rightSquares += nodeCounts[k] * nodeCounts[k] }
                    let entropy = parameters.criterion == .entropy
                    for p in start..<(end - 1) {
                        let row = Int(order[base + p])
                        let k = Int(y[row])
                        let w = weights[row]
                        let leftBefore = leftCounts[k]
                        let rightBefore = nodeCounts[k] - leftBefore
                        leftSquares += w * (2 * leftBefore + w)
                        rightSquares -= w * (2 * rightBefore - w)
                        leftCounts[k] = leftBefore + w
                        leftWeight += w
                        if Double(values[base + p + 1]) <= Double(values[base + p]) + Self.featureThreshold { continue }
                        let leftSize = p + 1 - start
                        if leftSize < minLeaf || end - p - 1 < minLeaf { continue }
                        let rightWeight = weight - leftWeight
                        // scikit-learn's proxy, −w_R·impurity_R − w_L·impurity_L, with its
                        // arithmetic, so equally good splits compare equal here too.
                        let proxy: Double
                        if entropy {
                            var entropyLeft = 0.0, entropyRight = 0.0
                            for c in 0..<width {
                                let l = leftCounts[c], r = nodeCounts[c] - l
                                if l > 0 { entropyLeft -= l / leftWeight * log2Value(l / leftWeight) }
                                if r > 0 { entropyRight -= r / rightWeight * log2Value(r / rightWeight) }
                            }
                            proxy = -rightWeight * entropyRight - leftWeight * entropyLeft
                        } else {
                            let giniLeft = 1.0 - leftSquares / (leftWeight * leftWeight)
                            let giniRight = 1.0 - rightSquares / (rightWeight * rightWeight)
                            proxy = -rightWeight * giniRight - leftWeight * giniLeft
                        }
                        if proxy > candidate {
                            candidate = proxy
                            position = p + 1
                        }
                    }
                }
            case .values(let y):
                y.withUnsafeBufferPointer { y in
                    // scikit-learn's MSE criterion moves rows into the left child only at
                    // candidate positions, from the nearer end; the same order of additions
                    // gives the same rounding, so near-ties break the same way.
                    let total = nodeCounts[0]
                    var leftSum = 0.0
                    var leftWeight = 0.0
                    var cursor = start
                    for p in start..<(end - 1) {
                        if Double(values[base + p + 1]) <= Double(values[base + p]) + Self.featureThreshold { continue }
                        let next = p + 1
                        if next - start < minLeaf || end - next < minLeaf { continue }
                        if next - cursor <= end - next {
                            for q in cursor..<next {
                                let row = Int(order[base + q])
                                leftSum += weights[row] * y[row]
                                leftWeight += weights[row]
                            }
                        } else {
                            leftSum = total
                            leftWeight = weight
                            for q in stride(from: end - 1, through: next, by: -1) {
                                let row = Int(order[base + q])
                                leftSum -= weights[row] * y[row]
                                leftWeight -= weights[row]
                            }
                        }
                        cursor = next
                        let rightSum = total - leftSum
                        let proxy = leftSum * leftSum / leftWeight + rightSum * rightSum / (weight - leftWeight)
                        if proxy > candidate {
                            candidate = proxy
                            position = next
                        }
                    }
                }
            }
        }
        if position >= 0, candidate > best.proxy {
            let low = Double(values[base + position - 1])
            let high = Double(values[base + position])
            var threshold = low / 2 + high / 2
            if threshold == high || threshold.isInfinite { threshold = low }
            best = Split(feature: feature, position: position, threshold: threshold, proxy: candidate)
        }
    }

    /// Stably partitions every non-constant feature's segment of `node` into the rows left of
    /// the split, then the rows right of it.
    private func partition(_ node: PendingNode, split: Split, constantCount: Int) {
        let splitBase = split.feature * m
        for p in node.start..<node.end {
            goesLeft[Int(order[splitBase + p])] = p < split.position ? 1 : 0
        }
        for index in constantCount..<d {
            let feature = features[index]
            if feature == split.feature { continue }
            let base = feature * m
            var left = base + node.start
            var right = 0
            for p in (base + node.start)..<(base + node.end) {
                // Branch-free: write the entry to both places, advance the one it belongs to.
                let row = order[p]
                let value = values[p]
                let isLeft = Int(goesLeft[Int(row)])
                order[left] = row
                values[left] = value
                scratchOrder[right] = row
                scratchValues[right] = value
                left += isLeft
                right += 1 - isLeft
            }
            (order + left).update(from: scratchOrder, count: right)
            (values + left).update(from: scratchValues, count: right)
        }
    }

    private func computeImportances(_ tree: inout CARTTree, impurities: [Double], weights: [Double]) {
        var importances = [Double](repeating: 0, count: d)
        for node in 0..<tree.nodeCount where tree.feature[node] >= 0 {
            let left = Int(tree.left[node]), right = Int(tree.right[node])
            importances[Int(tree.feature[node])] += weights[node] * impurities[node]
                - weights[left] * impurities[left] - weights[right] * impurities[right]
        }
        let total = importances.reduce(0, +)
        if total > 0 {
            for f in 0..<d { importances[f] /= total }
        }
        tree.importances = importances
    }
}

@inline(__always)
func log2Value(_ x: Double) -> Double {
    // scikit-learn's `log`: ln(x) / ln(2), not log2(x), which may differ in the last bit.
    x > 0 ? log(x) / log(2.0) : 0
}
