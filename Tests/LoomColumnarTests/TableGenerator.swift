@testable import LoomColumnar

/// SplitMix64, so that randomized tables are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random tables that exercise every type, encoding and null pattern.
struct TableGenerator {
    var random: SeededRandom
    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func validity(_ rows: Int) -> ValidityBitmap? {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: nil
        case 1: ValidityBitmap(count: rows)
        case 2: ValidityBitmap((0..<rows).map { _ in Bool.random(using: &random) })
        default: ValidityBitmap(count: rows, allValid: false)
        }
    }

    mutating func doubles(_ rows: Int) -> [Double] {
        switch Int.random(in: 0..<4, using: &random) {
        case 0:  // decimals with three places
            return (0..<rows).map { _ in Double(Int.random(in: -1_000_000...1_000_000, using: &random)) / 1000 }
        case 1:  // anything, including NaN, infinities and -0.0
            return (0..<rows).map { _ in
                switch Int.random(in: 0..<10, using: &random) {
                case 0: .nan
                case 1: -0.0
                case 2: -.infinity
                default: Double(bitPattern: random.next())
                }
            }
        case 2:  // a constant
            let value = Double(Int.random(in: 0...100, using: &random))
            return Array(repeating: value, count: rows)
        default:  // computed values with long mantissas
            return (0..<rows).map { _ in Double.random(in: 0..<1, using: &random) }
        }
    }

    mutating func integers(_ rows: Int) -> [Int64] {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return (0..<rows).map { _ in Int64.random(in: 0...100, using: &random) }
        case 1: return (0..<rows).map { _ in Int64(bitPattern: random.next()) }
        default: return (0..<rows).map { _ in [Int64.min, Int64.max, 0, -1][Int.random(in: 0..<4, using: &random)] }
        }
    }

    mutating func strings(_ rows: Int) -> StringArray {
        let words = ["", "a", "paris", "zürich", "東京", "🚀 launch", "x y z", String(repeating: "long", count: 20)]
        let values = (0..<rows).map { _ in words[Int.random(in: 0..<words.count, using: &random)] + (Bool.random(using: &random) ? "" : String(Int.random(in: 0..<50, using: &random))) }
        return Bool.random(using: &random) ? StringArray.dictionaryEncoded(values) : StringArray(values)
    }

    mutating func table(rows: Int) -> Table {
        var columns = [Column]()
        for index in 0..<Int.random(in: 1...8, using: &random) {
            let name = "c\(index)"
            let validity = validity(rows)
            let values: ColumnValues =
                switch Int.random(in: 0..<4, using: &random) {
                case 0: .float64(doubles(rows))
                case 1: .int64(integers(rows))
                case 2: .bool((0..<rows).map { _ in Bool.random(using: &random) })
                default: .string(strings(rows))
                }
            columns.append(try! Column(name: name, values: values, validity: validity))
        }
        return try! Table(rowCount: rows, columns: columns)
    }
}
