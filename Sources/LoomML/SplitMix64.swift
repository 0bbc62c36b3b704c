/// Steele, Lea and Flood's SplitMix64: a small, fast generator whose output depends only
/// on its seed and integer arithmetic, so a seed gives the same numbers on every machine
/// and Swift version. (`SystemRandomNumberGenerator` is unseeded, and the standard
/// library's `random(in:using:)` does not promise its algorithm; both are avoided.)
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<bound (bound > 0), by Lemire's multiply-and-reject
    /// method: no modulo bias, and fully specified here.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
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
