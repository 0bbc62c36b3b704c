/// Reads a model node's `hyperparameters` object: each value by name with its default, the
/// JSON type checked, and every name it was not asked for reported as unknown. Range
/// checks stay with each algorithm's `Configuration.validate()`.
struct HyperparameterReader {
    private let values: [String: JSONValue]
    private var read: Set<String> = []

    init(_ values: [String: JSONValue]) {
        self.values = values
    }

    /// The raw value, without marking it read.
    func peek(_ name: String) -> JSONValue? { values[name] }

    mutating func double(_ name: String, default fallback: Double) throws(ModelError) -> Double {
        read.insert(name)
        switch values[name] {
        case nil, .null?: return fallback
        case .number(let number)?: return number
        case let other?: throw Self.wrongType(name, "a number", other)
        }
    }

    mutating func int(_ name: String, default fallback: Int) throws(ModelError) -> Int {
        try optionalInt(name) ?? fallback
    }

    /// An integer, or nil when absent or null (scikit-learn's `None`, as in `max_depth`).
    mutating func optionalInt(_ name: String) throws(ModelError) -> Int? {
        read.insert(name)
        switch values[name] {
        case nil, .null?: return nil
        case .number(let number)? where number.rounded() == number && abs(number) < 1e15: return Int(number)
        case let other?: throw Self.wrongType(name, "a whole number", other)
        }
    }

    mutating func bool(_ name: String, default fallback: Bool) throws(ModelError) -> Bool {
        read.insert(name)
        switch values[name] {
        case nil, .null?: return fallback
        case .bool(let flag)?: return flag
        case let other?: throw Self.wrongType(name, "true or false", other)
        }
    }

    /// One of `allowed` (raw values of `T`).
    mutating func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws(ModelError) -> T
    where T.RawValue == String {
        read.insert(name)
        switch values[name] {
        case nil, .null?: return fallback
        case .string(let text)?:
            guard let value = T(rawValue: text) else {
                let allowed = T.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                throw ModelError(.invalidHyperparameter, field: name, "\(name) must be one of \(allowed), got '\(text)'")
            }
            return value
        case let other?: throw Self.wrongType(name, "a string", other)
        }
    }

    /// scikit-learn's `max_features`: "sqrt", "log2", null or "all" (every feature), a whole
    /// number (a count) or a fraction in (0, 1].
    mutating func maxFeatures(default fallback: TreeMaxFeatures) throws(ModelError) -> TreeMaxFeatures {
        let name = "max_features"
        read.insert(name)
        switch values[name] {
        case nil: return fallback
        case .null?, .string("all")?: return .all
        case .string("sqrt")?: return .sqrt
        case .string("log2")?: return .log2
        case .number(let number)? where number == 1.0: return .fraction(1.0)
        case .number(let number)? where number.rounded() == number && number > 1: return .count(Int(number))
        case .number(let number)?: return .fraction(number)
        case let other?: throw Self.wrongType(name, "'sqrt', 'log2', a count or a fraction", other)
        }
    }

    /// Names given that no reader asked for: misspellings, or settings of another algorithm.
    func rejectUnknown(algorithm: String) throws(ModelError) {
        let known = read.sorted().joined(separator: ", ")
        if let unknown = values.keys.filter({ !read.contains($0) }).sorted().first {
            throw ModelError(
                .invalidHyperparameter, field: unknown,
                "\(algorithm) has no hyperparameter '\(unknown)'" + (known.isEmpty ? " (it takes none)" : " (it takes \(known))")
            )
        }
    }

    private static func wrongType(_ name: String, _ expected: String, _ value: JSONValue) -> ModelError {
        ModelError(.invalidHyperparameter, field: name, "\(name) must be \(expected), got \(value)")
    }
}
