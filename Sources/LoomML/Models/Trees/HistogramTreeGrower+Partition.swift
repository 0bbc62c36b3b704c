// HistogramTreeGrower+Partition: after a split, the node's rows are reordered so that the
// left child's rows come first, each side keeping its order (a stable partition, so the
// result does not depend on how the work was cut). A large node is cut into one block of
// rows per thread: each block moves its left rows to its own front and its right rows to
// the same span of `scratch`, then the blocks' left parts are closed up and the right
// parts copied after them, as scikit-learn's `Splitter.split_indices` does.

import Foundation

extension HistogramTreeGrower {
    /// Nodes with fewer rows are partitioned on one core.
    static let parallelPartitionRows = 16_384

    func partition(_ node: Node) {
        let blocks = node.count >= Self.parallelPartitionRows ? threads : 1
        let bounds = (0...blocks).map { node.start + node.count * $0 / blocks }
        var leftCounts = [Int](repeating: 0, count: blocks)
        let feature = node.split.feature, threshold = UInt8(node.split.bin)
        let column = UnsafePointer(binned + feature * n), samples = self.samples, scratch = self.scratch
        leftCounts.withUnsafeMutableBufferPointer { leftCounts in
            let leftCounts = leftCounts.baseAddress!
            TreeParallel.forEach(count: blocks, threads: blocks) { block in
                var left = bounds[block], right = bounds[block]
                for p in bounds[block]..<bounds[block + 1] {
                    let row = samples[p]
                    let isLeft = column[Int(row)] <= threshold ? 1 : 0
                    samples[left] = row
                    scratch[right] = row
                    left &+= isLeft
                    right &+= 1 &- isLeft
                }
                leftCounts[block] = left - bounds[block]
            }
        }
        var write = node.start + leftCounts[0]
        for block in 1..<blocks {
            memmove(samples + write, samples + bounds[block], leftCounts[block] * MemoryLayout<Int32>.stride)
            write += leftCounts[block]
        }
        for block in 0..<blocks {
            let rightCount = bounds[block + 1] - bounds[block] - leftCounts[block]
            (samples + write).update(from: scratch + bounds[block], count: rightCount)
            write += rightCount
        }
    }
}
