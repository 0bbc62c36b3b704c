// The tree models draw from LoomML's SplitMix64 (forest trees from their own streams);
// this file holds what they draw to follow scikit-learn's splitter exactly.

/// The feature draws of scikit-learn's tree splitters: a 32-bit xorshift (`our_rand_r`)
/// whose state scikit-learn seeds with `RandomState(random_state).randint(0, 2**31 - 1)`,
/// the first draw of MT19937 seeded by `init_genrand`. Drawing the same numbers lets a tree
/// visit features in scikit-learn's order and so break ties between equally good splits
/// the way scikit-learn does.
public struct ScikitTreeRandom: Sendable {
    private var state: UInt32

    /// The generator scikit-learn's splitter uses for `random_state`.
    public init(randomState: UInt32) {
        var mersenne = MersenneTwister(seed: randomState)
        var draw = mersenne.next() & 0x7FFF_FFFF
        while draw > 0x7FFF_FFFE { draw = mersenne.next() & 0x7FFF_FFFF }
        state = draw
    }

    /// A generator from a raw 32-bit state (0 behaves as 1, as in scikit-learn).
    public init(state: UInt32) {
        self.state = state
    }

    /// scikit-learn's `rand_int(low, high)`: `low + our_rand_r() % (high - low)`.
    @inline(__always)
    public mutating func nextInt(from low: Int, below high: Int) -> Int {
        if state == 0 { state = 1 }
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        let value = state % 0x8000_0000
        return low + Int(value) % (high - low)
    }
}

/// MT19937 (Matsumoto & Nishimura), seeded as numpy's legacy `RandomState(int)` seeds it.
struct MersenneTwister {
    private var table = [UInt32](repeating: 0, count: 624)
    private var index = 624

    init(seed: UInt32) {
        table[0] = seed
        for i in 1..<624 {
            table[i] = 1_812_433_253 &* (table[i - 1] ^ (table[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    mutating func next() -> UInt32 {
        if index >= 624 {
            for k in 0..<624 {
                let y = (table[k] & 0x8000_0000) | (table[(k + 1) % 624] & 0x7FFF_FFFF)
                table[k] = table[(k + 397) % 624] ^ (y >> 1) ^ (y & 1 != 0 ? 0x9908_B0DF : 0)
            }
            index = 0
        }
        var y = table[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }
}
