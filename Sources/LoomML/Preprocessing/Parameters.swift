/// Reads a node's parameters, validating each with an error that names the node and the
/// field, and remembering which were read so that `finish()` can refuse the rest.
/// Keys are snake_case (`feature_range`); the camelCase spelling (`featureRange`) is
/// accepted too, as workflow JSON elsewhere uses it.
struct ParameterReader {
    let identity: StepIdentity
    let parameters: [String: JSONValue]
    private var known: Set<String> = []

    init(_ identity: StepIdentity, _ parameters: [String: JSONValue]) {
        self.identity = identity
        self.parameters = parameters
    }

    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first else { return key }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The value under `key` (or its camelCase spelling); nil when absent or JSON null.
    mutating func value(_ key: String) throws(PreprocessingError) -> JSONValue? {
        let camel = Self.camelCase(key)
        known.insert(key)
        known.insert(camel)
        let snakeValue = parameters[key]
        let camelValue = camel == key ? nil : parameters[camel]
        if let snakeValue, let camelValue, snakeValue != camelValue {
            throw identity.error(.invalidParameter, field: key, "'\(key)' and '\(camel)' are the same parameter with two different values; give it once")
        }
        switch snakeValue ?? camelValue {
        case .none, .null?: return nil
        case let value?: return value
        }
    }

    /// An optional list of column names (non-empty, no duplicates).
    mutating func columns(_ key: String = "columns") throws(PreprocessingError) -> [String]? {
        guard let value = try value(key) else { return nil }
        if case .string(let name) = value { return [name] }
        guard case .array(let items) = value else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be a list of column names, not \(value.typeName)")
        }
        var names: [String] = []
        var seen = Set<String>()
        for item in items {
            guard case .string(let name) = item else {
                throw identity.error(.invalidParameter, field: key, "'\(key)' must list column names as strings; \(item) is \(item.typeName)")
            }
            guard seen.insert(name).inserted else {
                throw identity.error(.invalidParameter, field: key, "'\(key)' names column '\(name)' twice")
            }
            names.append(name)
        }
        guard !names.isEmpty else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' is an empty list; leave it out to use every suitable column")
        }
        return names
    }

    mutating func string(_ key: String, allowed: [String], default defaultValue: String) throws(PreprocessingError) -> String {
        guard let value = try value(key) else { return defaultValue }
        guard case .string(let string) = value, allowed.contains(string) else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")); got \(value)")
        }
        return string
    }

    mutating func bool(_ key: String, default defaultValue: Bool) throws(PreprocessingError) -> Bool {
        guard let value = try value(key) else { return defaultValue }
        guard case .bool(let bool) = value else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be true or false; got \(value)")
        }
        return bool
    }

    /// A finite number; `range` bounds it inclusively, `above` exclusively from below.
    mutating func double(_ key: String, default defaultValue: Double, range: ClosedRange<Double>? = nil, above: Double? = nil) throws(PreprocessingError) -> Double {
        guard let value = try value(key) else { return defaultValue }
        guard case .number(let number) = value, number.isFinite else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be a number; got \(value)")
        }
        if let range, !range.contains(number) {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be from \(JSONValue.number(range.lowerBound)) to \(JSONValue.number(range.upperBound)); got \(value)")
        }
        if let above, number <= above {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be greater than \(JSONValue.number(above)); got \(value)")
        }
        return number
    }

    mutating func integer(_ key: String, default defaultValue: Int?, range: ClosedRange<Int>) throws(PreprocessingError) -> Int? {
        guard let value = try value(key) else { return defaultValue }
        guard case .number(let number) = value, number.rounded() == number, number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound); got \(value)")
        }
        return Int(number)
    }

    /// Two numbers `[low, high]` with low < high.
    mutating func pair(_ key: String, default defaultValue: (Double, Double), within range: ClosedRange<Double>? = nil) throws(PreprocessingError) -> (Double, Double) {
        guard let value = try value(key) else { return defaultValue }
        guard case .array(let items) = value, items.count == 2,
            case .number(let low) = items[0], case .number(let high) = items[1],
            low.isFinite, high.isFinite
        else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must be a list of two numbers [low, high]; got \(value)")
        }
        guard low < high else {
            throw identity.error(.invalidParameter, field: key, "'\(key)' must have low < high; got \(value)")
        }
        if let range, !range.contains(low) || !range.contains(high) {
            throw identity.error(.invalidParameter, field: key, "both numbers of '\(key)' must lie from \(JSONValue.number(range.lowerBound)) to \(JSONValue.number(range.upperBound)); got \(value)")
        }
        return (low, high)
    }

    /// Refuses every parameter that was not read: a misspelt name must not be ignored.
    func finish() throws(PreprocessingError) {
        let unknown = parameters.keys.filter { !known.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let accepted = known.filter { !$0.contains(where: \.isUppercase) }.sorted()
        throw identity.error(
            .unknownParameter, field: first,
            "\(identity.method) has no parameter '\(first)'; it takes \(accepted.isEmpty ? "no parameters" : accepted.joined(separator: ", "))"
        )
    }
}
