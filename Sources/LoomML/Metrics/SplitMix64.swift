/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator whose output is the
/// same on every platform and Swift version, so a sampled silhouette or a downsampled plot
/// is reproducible across workers.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound`, by rejection so there is no modulo bias; 0 when
    /// `bound` is not positive.
    public mutating func next(below bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// `count` distinct indices from `0..<population`, in ascending order (a partial
    /// Fisher–Yates shuffle). Returns every index when `count >= population`.
    public mutating func sampleIndices(count: Int, from population: Int) -> [Int] {
        if count >= population { return Array(0..<max(population, 0)) }
        if count <= 0 { return [] }
        var swapped: [Int: Int] = [:]
        var chosen: [Int] = []
        chosen.reserveCapacity(count)
        for i in 0..<count {
            let j = i + next(below: population - i)
            let atJ = swapped[j] ?? j
            let atI = swapped[i] ?? i
            swapped[j] = atI
            chosen.append(atJ)
        }
        return chosen.sorted()
    }
}
