/// A small, platform-independent pseudo-random generator (SplitMix64, Steele, Lea and Flood
/// 2014) for every model that takes a `randomState`. The standard library's generators are
/// not seedable and `Int.random(in:)`'s algorithm is not promised to stay the same, so the
/// models draw through `nextDouble()` and `nextInt(below:)` here, which are fixed: a seed
/// gives the same numbers on every platform and release.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double uniform in `0 ..< 1`, from the top 53 bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// An integer uniform in `0 ..< bound` (Lemire's multiply-and-reject, so no modulo bias).
    /// `bound` must be positive.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A fresh generator for sub-task `index` (a k-means restart, a class of a one-vs-rest
    /// model), so parallel work draws the same numbers whatever order it runs in.
    public mutating func split() -> SeededGenerator {
        SeededGenerator(seed: next())
    }
}
