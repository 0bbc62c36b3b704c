/// The k-th smallest values of an array without sorting it: quartiles need six order
/// statistics of a sample of up to 65,536 values, and a full sort of every numeric
/// column's sample was a noticeable serial step at the end of an ingestion.
struct OrderStatistics {
    private var values: [Double]

    /// `values` must hold no NaN (the profile's samples never do).
    init(_ values: [Double]) { self.values = values }

    var count: Int { values.count }

    /// The values at sorted positions `ranks` (ascending, each in 0..<count), as a sorted
    /// copy would give them. Each selection partitions only what lies above the previous
    /// rank, so the cost is a few passes over the values in all.
    mutating func values(atRanks ranks: [Int]) -> [Double] {
        var results = [Double]()
        var lower = 0
        values.withUnsafeMutableBufferPointer { buffer in
            for rank in ranks {
                precondition(rank >= lower && rank < buffer.count, "ranks must ascend within the values")
                if !results.isEmpty, rank == lower + 1 {
                    // The next rank up (quantiles interpolate between neighbours) is the
                    // smallest value above the previous one: a scan, not a selection.
                    var smallest = rank
                    for index in (rank + 1)..<buffer.count where buffer[index] < buffer[smallest] { smallest = index }
                    buffer.swapAt(rank, smallest)
                } else {
                    Self.select(buffer, rank: rank, from: lower, to: buffer.count)
                }
                results.append(buffer[rank])
                lower = rank
            }
        }
        return results
    }

    /// Moves the value of sorted position `rank` there, with no greater value before it
    /// and no smaller one after it, within `from..<to` (which must already hold that
    /// rank's value). Quickselect with a median-of-three pivot; a range that shrinks too
    /// slowly is sorted instead, which bounds the worst case.
    private static func select(_ buffer: UnsafeMutableBufferPointer<Double>, rank: Int, from: Int, to: Int) {
        var low = from
        var high = to - 1
        var rounds = 0
        while high > low {
            rounds += 1
            if rounds > 64 {
                var rest = UnsafeMutableBufferPointer(rebasing: buffer[low...high])
                rest.sort()
                return
            }
            let middle = low + (high - low) / 2
            // Median of three as the pivot.
            if buffer[middle] < buffer[low] { buffer.swapAt(middle, low) }
            if buffer[high] < buffer[low] { buffer.swapAt(high, low) }
            if buffer[high] < buffer[middle] { buffer.swapAt(high, middle) }
            let pivot = buffer[middle]
            // Hoare partition: both scans stop on values equal to the pivot, so runs of
            // equal values split evenly.
            var left = low
            var right = high
            while left <= right {
                while buffer[left] < pivot { left += 1 }
                while buffer[right] > pivot { right -= 1 }
                if left <= right {
                    buffer.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            // Now low...right ≤ pivot ≤ left...high, and right < left.
            if rank <= right {
                high = right
            } else if rank >= left {
                low = left
            } else {
                return  // between the two parts: equal to the pivot, in place
            }
        }
    }
}
