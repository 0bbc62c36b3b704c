import LoomColumnar

/// `remove_outliers`: removes every row with an outlier in any of `columns` (default:
/// every number feature column). With `method: "iqr"` (the default) a value is an outlier
/// outside [Q1 − t·IQR, Q3 + t·IQR], t = `threshold` (default 1.5); with `"zscore"`, when
/// |x − mean| / std > t (default 3, population std). Statistics are of all rows reaching
/// the step; missing values are never outliers. A row filter: it runs before the split.
public struct RemoveOutliers: RowFilterStep {
    public static let method = "remove_outliers"
    public let identity: StepIdentity
    public let columns: [String]?
    public let rule: String
    public let threshold: Double

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        rule = try reader.string("method", allowed: ["iqr", "zscore"], default: "iqr")
        threshold = try reader.double("threshold", default: rule == "iqr" ? 1.5 : 3, range: 0...1e6, above: 0)
        try reader.finish()
        self.identity = identity
    }

    /// The closed interval of values kept for each column, from the rows of `table`.
    public func bounds(in table: Table, target: String?) throws(PreprocessingError) -> [(column: String, low: Double, high: Double)] {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, allowTarget: true, expected: scalableDescription, suits: isScalable)
        var result: [(column: String, low: Double, high: Double)] = []
        for index in indices {
            let column = table.columns[index]
            guard let (values, presence) = numericView(column) else { continue }
            let present = presentValues(values, presence, rows: Array(0..<table.rowCount))
            guard !present.isEmpty else { continue }
            if rule == "iqr" {
                let quartiles = percentiles(present, [25, 75])
                let (q1, q3) = (quartiles[0], quartiles[1])
                let spread = q3 - q1
                result.append((column.name, q1 - threshold * spread, q3 + threshold * spread))
            } else {
                let (mean, variance) = meanAndVariance(present)
                let deviation = variance.squareRoot()
                if deviation > 0 {
                    result.append((column.name, mean - threshold * deviation, mean + threshold * deviation))
                }
            }
        }
        return result
    }

    public func keptRows(in table: Table, target: String?) throws(PreprocessingError) -> [Int] {
        var keep = [Bool](repeating: true, count: table.rowCount)
        for (name, low, high) in try bounds(in: table, target: target) {
            guard let column = table[name], let (values, presence) = numericView(column) else { continue }
            if rule == "iqr" {
                for row in values.indices where (presence?[row] ?? true) && !(values[row] >= low && values[row] <= high) { keep[row] = false }
            } else {
                // |x − mean| / std > t, computed as scipy's zscore does rather than via the bounds.
                let (mean, variance) = meanAndVariance(presentValues(values, presence, rows: Array(values.indices)))
                let deviation = variance.squareRoot()
                for row in values.indices where (presence?[row] ?? true) && abs(values[row] - mean) / deviation > threshold { keep[row] = false }
            }
        }
        return keep.indices.filter { keep[$0] }
    }
}
