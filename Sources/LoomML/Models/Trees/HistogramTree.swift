// HistogramTree: one fitted tree of histogram gradient boosting (scikit-learn's
// `TreePredictor`). A row goes left when its raw value is at most the node's threshold (the
// upper edge of the split's last left bin), or, on binned data, when its bin is at most the
// split bin. Leaf values already include the learning rate.
//
// The nodes are one array of small structs, and a split's children are adjacent (the
// grower adds the left child, then the right), so a walk reads one node per level and
// steps to `left` or `left + 1` without a branch on the direction. Predictions go tree by
// tree over a batch of rows, through the array's buffer: the tree stays in the L1 cache
// and nothing is copied or retained per row.

struct HistogramTree: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        var threshold = 0.0
        var value: Double
        /// The split feature; −1 for a leaf.
        var feature: Int32 = -1
        /// The left child; the right child is `left + 1`.
        var left: Int32 = -1
        var bin: UInt8 = 0
    }

    var nodes: [Node] = []

    var nodeCount: Int { nodes.count }

    mutating func addLeaf(value: Double) -> Int {
        nodes.append(Node(value: value))
        return nodes.count - 1
    }

    /// Turns leaf `node` into a split whose children are the next two nodes added.
    mutating func split(_ node: Int, feature: Int, bin: Int, threshold: Double) {
        nodes[node].feature = Int32(feature)
        nodes[node].bin = UInt8(bin)
        nodes[node].threshold = threshold
        nodes[node].left = Int32(nodes.count)
    }

    /// Adds the tree's value for each row in `rows` of the row-major `values` (`columns` per
    /// row) to `raw[i * stride + offset]`.
    func add(
        rows: Range<Int>, of values: UnsafePointer<Double>, columns: Int, to raw: UnsafeMutablePointer<Double>,
        stride: Int, offset: Int
    ) {
        nodes.withUnsafeBufferPointer { nodes in
            let nodes = nodes.baseAddress!
            for i in rows {
                let row = values + i &* columns
                var node = nodes
                while node.pointee.feature >= 0 {
                    // Not `>`: a NaN goes right, as it fails `<=`.
                    let goesRight = !(row[Int(node.pointee.feature)] <= node.pointee.threshold)
                    node = nodes + (Int(node.pointee.left) &+ (goesRight ? 1 : 0))
                }
                raw[i &* stride &+ offset] += node.pointee.value
            }
        }
    }

    /// Adds the tree's value for each row in `rows` of column-major bin codes (`rowCount`
    /// rows per feature) to `raw[i * stride + offset]`.
    func addBinned(
        rows: Range<Int>, of codes: UnsafePointer<UInt8>, rowCount: Int, to raw: UnsafeMutablePointer<Double>,
        stride: Int, offset: Int
    ) {
        nodes.withUnsafeBufferPointer { nodes in
            let nodes = nodes.baseAddress!
            for i in rows {
                var node = nodes
                while node.pointee.feature >= 0 {
                    let goesRight = codes[Int(node.pointee.feature) &* rowCount &+ i] > node.pointee.bin
                    node = nodes + (Int(node.pointee.left) &+ (goesRight ? 1 : 0))
                }
                raw[i &* stride &+ offset] += node.pointee.value
            }
        }
    }
}
