/// What a dataset holds, stored with it (as JSON, jsonb in PostgreSQL) and shown to
/// users. Field names are snake_case and stable; numbers that would not be finite are
/// left out (JSON has no infinity).
public struct DatasetProfile: Sendable, Equatable, Codable {
    /// Bumped when a field changes meaning.
    public var version: Int = 1
    public var rows: Int
    public var columnCount: Int
    /// Size of the source (the CSV file), in bytes.
    public var bytes: Int
    public var columns: [ColumnProfile]
    /// The target column the suggestion is for, when one was chosen.
    public var target: String?
    public var suggestedProblem: ProblemSuggestion?

    enum CodingKeys: String, CodingKey {
        case version, rows, bytes, columns, target
        case columnCount = "column_count"
        case suggestedProblem = "suggested_problem"
    }

    public subscript(column name: String) -> ColumnProfile? { columns.first { $0.name == name } }
}

public struct ColumnProfile: Sendable, Equatable, Codable {
    public var name: String
    /// "float64", "int64", "bool" or "string".
    public var type: String
    public var nullable: Bool
    /// Values present (not missing).
    public var count: Int
    public var missing: Int
    public var distinct: DistinctCount
    /// For int64 and float64 columns.
    public var numeric: NumericSummary?
    /// At most `ProfileOptions.histogramBins` bins, for numeric columns with a finite range.
    public var histogram: Histogram?
    /// The most frequent values of string and bool columns, most frequent first (ties by value).
    public var topValues: [ValueCount]?
    /// True when the counts of `top_values` are lower bounds from a pruned table (too many distinct values to count all).
    public var topValuesEstimated: Bool?

    enum CodingKeys: String, CodingKey {
        case name, type, nullable, count, missing, distinct, numeric, histogram
        case topValues = "top_values"
        case topValuesEstimated = "top_values_estimated"
    }
}

public struct DistinctCount: Sendable, Equatable, Codable {
    public var value: Int
    /// True when `value` is a HyperLogLog estimate rather than an exact count.
    public var estimated: Bool
}

public struct NumericSummary: Sendable, Equatable, Codable {
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    /// Sample standard deviation (n − 1 in the denominator); nil below two values.
    public var std: Double?
    /// 25th, 50th and 75th percentiles, linearly interpolated between order statistics.
    public var q1: Double?
    public var median: Double?
    public var q3: Double?
    /// True when the quartiles come from a uniform sample rather than every value.
    public var quartilesEstimated: Bool

    enum CodingKeys: String, CodingKey {
        case min, max, mean, std, q1, median, q3
        case quartilesEstimated = "quartiles_estimated"
    }
}

public struct Histogram: Sendable, Equatable, Codable {
    /// Bins of equal width from min to max; each holds [lower, upper), the last [lower, upper].
    public var bins: [HistogramBin]
    /// True when the counts are scaled up from a uniform sample.
    public var estimated: Bool
}

public struct HistogramBin: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double
    public var count: Int
}

public struct ValueCount: Sendable, Equatable, Codable {
    public var value: String
    public var count: Int
}

public struct ProblemSuggestion: Sendable, Equatable, Codable {
    public var target: String
    public var problemType: ProblemType
    /// Why, in a sentence for users.
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case target, reason
        case problemType = "problem_type"
    }
}

extension DatasetProfile {
    /// Classification for string and bool targets and for numeric targets with few
    /// distinct values; regression for other numeric targets; nil when the column is
    /// unknown or has no values.
    public func suggestProblem(target: String, options: ProfileOptions = ProfileOptions()) -> ProblemSuggestion? {
        guard let column = self[column: target], column.count > 0 else { return nil }
        let distinct = column.distinct.value
        let about = column.distinct.estimated ? "about \(distinct)" : "\(distinct)"
        switch column.type {
        case ColumnType.string.description:
            return ProblemSuggestion(target: target, problemType: .classification,
                reason: "'\(target)' is a text column with \(about) distinct values, so each value is a class")
        case ColumnType.bool.description:
            return ProblemSuggestion(target: target, problemType: .classification,
                reason: "'\(target)' is a true/false column: two classes")
        default:
            if distinct <= options.classificationMaxDistinct {
                return ProblemSuggestion(target: target, problemType: .classification,
                    reason: "'\(target)' is numeric but takes only \(about) distinct values (at most \(options.classificationMaxDistinct)), so they look like class labels")
            }
            return ProblemSuggestion(target: target, problemType: .regression,
                reason: "'\(target)' is a numeric (\(column.type)) column with \(about) distinct values, so it is predicted as a quantity")
        }
    }
}
