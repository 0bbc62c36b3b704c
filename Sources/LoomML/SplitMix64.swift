/// Steele, Lea and Flood's SplitMix64: the one seeded generator of LoomML (splits, models,
/// sampled metrics, downsampled plots). Its output depends only on its seed and integer
/// arithmetic, so a seed gives the same numbers on every machine and Swift version.
/// (`SystemRandomNumberGenerator` is unseeded, and the standard library's
/// `random(in:using:)` does not promise its algorithm; both are avoided.)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for stream `stream` of `seed` (tree `stream` of a forest, restart
    /// `stream` of k-means), so parallel work draws the same numbers whatever thread runs it.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ 0x6A09_E667_F3BC_C909)
        let base = mixer.next()
        state = SplitMix64.mix(base &+ (stream &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// The seed for a configuration's `random_state`; when it is unset (nil), fresh entropy,
    /// as scikit-learn does with `random_state=None`.
    public static func seed(from randomState: Int?) -> UInt64 {
        if let randomState { return UInt64(bitPattern: Int64(randomState)) }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound (bound > 0), by Lemire's multiply-and-reject
    /// method: no modulo bias, and fully specified here.
    @inline(__always)
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// A uniform integer in `0..<bound` (the same draw as `next(below: UInt64)`); 0 when
    /// `bound` is not positive, so callers drawing from an empty range need no guard.
    @inline(__always)
    public mutating func nextInt(below bound: Int) -> Int {
        bound > 0 ? Int(next(below: UInt64(bound))) : 0
    }

    /// A double uniform in `0 ..< 1`, from the top 53 bits.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A fresh generator seeded from this one, for a sub-task.
    public mutating func split() -> SplitMix64 {
        SplitMix64(seed: next())
    }

    /// Fisher–Yates shuffle of `elements` in place, drawing with `next(below:)`.
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, through: 1, by: -1) {
            let other = Int(next(below: UInt64(index + 1)))
            elements.swapAt(index, other)
        }
    }
}
