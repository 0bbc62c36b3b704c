// CARTTree: a fitted binary decision tree (scikit-learn's `tree_`) as flat arrays, shared by
// the decision trees and the random forests. A row goes left at a node when its feature,
// rounded to float32 as scikit-learn does, is at most the node's float64 threshold.

struct CARTTree: Sendable, Equatable {
    /// The split feature of each node, -1 at a leaf.
    var feature: [Int32] = []
    var threshold: [Double] = []
    var left: [Int32] = []
    var right: [Int32] = []
    /// `nodeCount × outputWidth`: class fractions (classification) or the mean (regression).
    var value: [Double] = []
    var outputWidth: Int
    /// Impurity decrease per feature normalised to sum to 1; all zeros for a lone leaf.
    var importances: [Double]

    var nodeCount: Int { feature.count }

    init(outputWidth: Int, featureCount: Int) {
        self.outputWidth = outputWidth
        importances = [Double](repeating: 0, count: featureCount)
    }

    /// Adds a node and returns its id; `setSplit` turns it into an internal node later.
    mutating func addNode(value nodeValue: UnsafeBufferPointer<Double>) -> Int {
        feature.append(-1)
        threshold.append(0)
        left.append(-1)
        right.append(-1)
        value.append(contentsOf: nodeValue)
        return feature.count - 1
    }

    /// The leaf that `row` (its `feature` values, float64) reaches.
    @inline(__always)
    func leaf(_ row: UnsafePointer<Double>) -> Int {
        feature.withUnsafeBufferPointer { feature in
            threshold.withUnsafeBufferPointer { threshold in
                left.withUnsafeBufferPointer { left in
                    right.withUnsafeBufferPointer { right in
                        var node = 0
                        while feature[node] >= 0 {
                            let x = Double(Float(row[Int(feature[node])]))
                            node = Int(x <= threshold[node] ? left[node] : right[node])
                        }
                        return node
                    }
                }
            }
        }
    }

    /// Adds `weight ×` this tree's output for every row of `x` into `output` (`rows × outputWidth`).
    func accumulate(_ x: FeatureMatrixView, weight: Double, into output: inout [Double]) {
        let width = outputWidth
        x.values.withUnsafeBufferPointer { rows in
            value.withUnsafeBufferPointer { value in
                output.withUnsafeMutableBufferPointer { output in
                    for i in 0..<x.rows {
                        let node = leaf(rows.baseAddress! + i * x.columns)
                        for k in 0..<width { output[i * width + k] += weight * value[node * width + k] }
                    }
                }
            }
        }
    }
}

extension Array where Element == Double {
    /// The index of the first largest value of each `width`-wide row, as numpy's argmax.
    func rowArgmax(width: Int) -> [Int] {
        let rows = width == 0 ? 0 : count / width
        var result = [Int](repeating: 0, count: rows)
        for i in 0..<rows {
            var best = 0
            for k in 1..<Swift.max(width, 1) where self[i * width + k] > self[i * width + best] { best = k }
            result[i] = best
        }
        return result
    }
}
