extension SplitMix64 {
    /// `count` distinct indices from `0..<population`, in ascending order (a partial
    /// Fisher–Yates shuffle): the seeded samples behind a sampled silhouette and a
    /// downsampled plot, the same on every worker. Every index when `count >= population`.
    public mutating func sampleIndices(count: Int, from population: Int) -> [Int] {
        if count >= population { return Array(0..<max(population, 0)) }
        if count <= 0 { return [] }
        var swapped: [Int: Int] = [:]
        var chosen: [Int] = []
        chosen.reserveCapacity(count)
        for i in 0..<count {
            let j = i + Int(next(below: UInt64(population - i)))
            let atJ = swapped[j] ?? j
            let atI = swapped[i] ?? i
            swapped[j] = atI
            chosen.append(atJ)
        }
        return chosen.sorted()
    }
}
