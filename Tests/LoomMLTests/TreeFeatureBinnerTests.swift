import Testing
@testable import LoomML

/// The binner's radix sort and branch-free search against a comparison sort and a plain
/// binary search, on values chosen to trip them: negatives, zeros of both signs, ties,
/// values far apart in magnitude, and values equal to a threshold.
@Suite struct TreeFeatureBinnerTests {
    static func awkwardValues(count: Int, seed: UInt64) -> [Double] {
        var random = SplitMix64(seed: seed)
        let specials: [Double] = [0, -0.0, 1, -1, 1e-300, -1e-300, 1e300, -1e300, 0.5, -0.5, .leastNonzeroMagnitude]
        return (0..<count).map { i in
            switch random.nextInt(below: 4) {
            case 0: specials[i % specials.count]
            case 1: Double(random.nextInt(below: 7)) - 3  // many ties
            case 2: (Double(random.nextInt(below: 2_000_001)) - 1_000_000) / 1_000  // rounded, like CSV input
            default: Double(bitPattern: random.next() & ~(1 << 62))  // any bit pattern of magnitude below 2
            }
        }
    }

    @Test(arguments: [0, 1, 2, 1_000, 70_000])
    func radixSortOrdersLikeAComparisonSort(count: Int) {
        let values = Self.awkwardValues(count: count, seed: UInt64(count))
        // -0.0 == 0.0, so compare the order as numbers.
        #expect(FeatureBinner.sorted(values) == values.sorted())
    }

    @Test(arguments: [2, 3, 16, 255])
    func binIsTheFirstThresholdAtLeastTheValue(maxBins: Int) throws {
        let columns = 3, rows = 5_000
        var values = Self.awkwardValues(count: rows * columns, seed: 7)
        // Column 2 has a few distinct values, so its thresholds are midpoints between them.
        for i in 0..<rows { values[i * columns + 2] = Double(i % 5) }
        let x = try FeatureMatrixView(values: values, rows: rows, columns: columns)
        var random = SplitMix64(seed: 1)
        let binner = FeatureBinner(fitting: x, rows: Array(0..<rows), maxBins: maxBins, threads: 2, random: &random)
        // Values equal to thresholds bin with the threshold's own bin.
        var probe = values
        for f in 0..<columns {
            for (k, edge) in binner.thresholds[f].enumerated() where k < rows { probe[k * columns + f] = edge }
        }
        let probed = try FeatureMatrixView(values: probe, rows: rows, columns: columns)
        let picked = [Int](stride(from: rows - 1, through: 0, by: -3))
        let binned = binner.bin(probed, rows: picked, threads: 2)
        for f in 0..<columns {
            let edges = binner.thresholds[f]
            #expect(edges.count <= maxBins - 1)
            #expect(edges == edges.sorted())
            for (i, row) in picked.enumerated() {
                let value = probe[row * columns + f]
                let expected = edges.firstIndex { value <= $0 } ?? edges.count
                #expect(Int(binned[f * picked.count + i]) == expected, "feature \(f), row \(row), value \(value)")
            }
        }
        if maxBins >= 5 { #expect(binner.thresholds[2] == [0.5, 1.5, 2.5, 3.5]) }
    }
}
