// HistogramTree: one fitted tree of histogram gradient boosting (scikit-learn's
// `TreePredictor`). A row goes left when its raw value is at most the node's threshold (the
// upper edge of the split's last left bin), or, on binned data, when its bin is at most the
// split bin. Leaf values already include the learning rate.

struct HistogramTree: Sendable, Equatable {
    var feature: [Int32] = []
    var bin: [UInt8] = []
    var threshold: [Double] = []
    var left: [Int32] = []
    var right: [Int32] = []
    var value: [Double] = []

    var nodeCount: Int { feature.count }

    mutating func addLeaf(value nodeValue: Double) -> Int {
        feature.append(-1)
        bin.append(0)
        threshold.append(0)
        left.append(-1)
        right.append(-1)
        value.append(nodeValue)
        return feature.count - 1
    }

    @inline(__always)
    func predict(_ row: UnsafePointer<Double>) -> Double {
        var node = 0
        while feature[node] >= 0 {
            node = Int(row[Int(feature[node])] <= threshold[node] ? left[node] : right[node])
        }
        return value[node]
    }

    /// The prediction for row `row` of column-major binned data of `rows` rows.
    @inline(__always)
    func predictBinned(_ codes: UnsafePointer<UInt8>, row: Int, rows: Int) -> Double {
        var node = 0
        while feature[node] >= 0 {
            node = Int(codes[Int(feature[node]) * rows + row] <= bin[node] ? left[node] : right[node])
        }
        return value[node]
    }
}
