/// Keeps plots small whatever the row count: curves keep at most `curveLimit` points,
/// scatters a seeded sample of at most `scatterLimit` rows.
public enum Downsampling {
    public static let curveLimit = 2_000
    public static let scatterLimit = 5_000
    /// The seed of scatter samples, so the same result always draws the same points.
    public static let seed: UInt64 = 0x4C6F_6F6D

    /// Indices of an evenly spaced subset of `0..<count` that always keeps both ends.
    static func curveIndices(count: Int, limit: Int = curveLimit) -> [Int] {
        guard count > limit, limit >= 2 else { return Array(0..<count) }
        let step = Double(count - 1) / Double(limit - 1)
        var out: [Int] = []
        out.reserveCapacity(limit)
        var last = -1
        for k in 0..<limit {
            let i = Int((Double(k) * step).rounded())
            if i != last { out.append(i) }
            last = i
        }
        if out.last != count - 1 { out.append(count - 1) }
        return out
    }

    /// A seeded sample of rows (ascending) when there are more than `limit`.
    static func scatterRows(count: Int, limit: Int = scatterLimit) -> [Int] {
        var rng = SplitMix64(seed: seed)
        return rng.sampleIndices(count: limit, from: count)
    }

    static func note(shown: Int, of total: Int) -> String? {
        shown < total ? "\(ValueFormat.count(shown)) of \(ValueFormat.count(total)) points shown (seeded sample)" : nil
    }
}
