// TreeRandom: the seeded pseudo-random generator of the tree models (decision trees, random
// forests, gradient boosting). SplitMix64 (Steele, Lea & Flood 2014): the same seed gives the
// same stream on every platform and Swift version, which `SystemRandomNumberGenerator` and
// the standard library's `random(in:)` do not promise. Draws use Lemire's unbiased method.

/// A platform-independent SplitMix64 generator.
public struct TreeRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for stream `stream` of `seed`, for example tree `stream` of a forest, so a
    /// tree's draws depend only on the seed and its index, never on which thread built it.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = TreeRandom(seed: seed ^ 0x6A09_E667_F3BC_C909)
        let base = mixer.next()
        state = TreeRandom.mix(base &+ (stream &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// The seed to use when a configuration leaves `random_state` unset (nil): fresh
    /// entropy, as scikit-learn does with `random_state=None`.
    static func seed(from randomState: Int?) -> UInt64 {
        if let randomState { return UInt64(randomState) }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return TreeRandom.mix(state)
    }

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (`bound` > 0), without modulo bias.
    @inline(__always)
    public mutating func nextInt(below bound: Int) -> Int {
        let upper = UInt64(bound)
        var product = next().multipliedFullWidth(by: upper)
        if product.low < upper {
            let threshold = (0 &- upper) % upper
            while product.low < threshold {
                product = next().multipliedFullWidth(by: upper)
            }
        }
        return Int(product.high)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    @inline(__always)
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}
