import LoomColumnar

/// `polynomial_features`: appends the products of the chosen columns up to `degree`
/// (2, the default, or 3), as scikit-learn's PolynomialFeatures: for columns a, b the
/// new columns are `a^2`, `a*b`, `b^2` (only `a*b` with `interaction_only: true`), in
/// scikit-learn's order. The original columns stay. `include_bias: true` adds a column
/// `1` of ones (off by default: models fit their own intercept). A product with a missing
/// factor is missing. Depends on each row alone, so it learns nothing.
public struct PolynomialFeatures: TransformStep, FittedStep {
    public static let method = "polynomial_features"
    /// At most this many new columns, so that a wide table does not explode.
    public static let maximumNewColumns = 10_000
    public let identity: StepIdentity
    public let columns: [String]?
    public let degree: Int
    public let interactionOnly: Bool
    public let includeBias: Bool
    public var learnsFromRows: Bool { false }
    private var resolved: [String] = []

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        degree = try reader.integer("degree", default: 2, range: 2...3) ?? 2
        interactionOnly = try reader.bool("interaction_only", default: false)
        includeBias = try reader.bool("include_bias", default: false)
        try reader.finish()
        self.identity = identity
    }

    /// The index tuples (non-decreasing; strictly increasing when interaction only) of
    /// the products of degree 2...degree over `count` columns, in scikit-learn's order.
    func terms(count: Int) -> [[Int]] {
        var result: [[Int]] = []
        var previous: [[Int]] = (0..<count).map { [$0] }
        for _ in 2...degree {
            var next: [[Int]] = []
            for term in previous {
                let start = interactionOnly ? term[term.count - 1] + 1 : term[term.count - 1]
                for index in start..<max(start, count) { next.append(term + [index]) }
            }
            result.append(contentsOf: next)
            previous = next
        }
        return result
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, expected: scalableDescription, suits: isScalable)
        // Count before building: C(n + d - 1, d) grows fast.
        var total = 0.0
        var combinations = 1.0
        for d in 1...degree {
            let n = Double(indices.count)
            combinations = interactionOnly ? combinations * (n - Double(d) + 1) / Double(d) : combinations * (n + Double(d) - 1) / Double(d)
            if d >= 2 { total += max(combinations, 0) }
        }
        if total > Double(Self.maximumNewColumns) {
            throw identity.error(.tooManyFeatures, field: "columns", "degree \(degree) over \(indices.count) columns makes \(Int(total)) new columns, more than \(Self.maximumNewColumns); list fewer columns")
        }
        var fitted = self
        fitted.resolved = indices.map { table.columns[$0].name }
        return fitted
    }

    /// The names of the new columns, in order.
    public func outputNames(for names: [String]) -> [String] {
        var result = includeBias ? ["1"] : []
        for term in terms(count: names.count) {
            var parts: [String] = []
            var position = 0
            while position < term.count {
                var power = 1
                while position + power < term.count, term[position + power] == term[position] { power += 1 }
                parts.append(power == 1 ? names[term[position]] : "\(names[term[position]])^\(power)")
                position += power
            }
            result.append(parts.joined(separator: "*"))
        }
        return result
    }

    public func apply(to table: Table) throws(PreprocessingError) -> Table {
        var inputs: [[Double]] = []
        var presences: [[Bool]?] = []
        for name in resolved {
            guard let column = table[name], let (values, presence) = numericView(column) else {
                throw identity.error(.unknownColumn, field: "columns", "column '\(name)', seen when this step was fitted, is missing from the data it is applied to or is not numeric")
            }
            inputs.append(values)
            presences.append(presence)
        }
        let rows = table.rowCount
        var appended: [Column] = []
        let names = outputNames(for: resolved)
        var nameIndex = 0
        if includeBias {
            appended.append(try makeColumn(names[0], .float64([Double](repeating: 1, count: rows)), presence: nil, by: identity))
            nameIndex = 1
        }
        for term in terms(count: resolved.count) {
            var product = inputs[term[0]]
            for factor in term.dropFirst() {
                let values = inputs[factor]
                for row in 0..<rows { product[row] *= values[row] }
            }
            var presence: [Bool]?
            for factor in term {
                guard let factorPresence = presences[factor] else { continue }
                if presence == nil {
                    presence = factorPresence
                } else {
                    for row in 0..<rows where !factorPresence[row] { presence?[row] = false }
                }
            }
            if let presence { for row in 0..<rows where !presence[row] { product[row] = 0 } }
            appended.append(try makeColumn(names[nameIndex], .float64(product), presence: presence, by: identity))
            nameIndex += 1
        }
        return try rebuild(table, replacing: [:], appending: appended, by: identity)
    }
}
