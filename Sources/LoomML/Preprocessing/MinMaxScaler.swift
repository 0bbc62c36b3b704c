import LoomColumnar

/// `minmax_scaler`: maps each column's training minimum and maximum onto
/// `feature_range` (default [0, 1]), as scikit-learn's MinMaxScaler: x → x·scale + offset
/// with scale = (high − low) / (max − min) and offset = low − min·scale. Test rows may
/// fall outside the range unless `clip` is true. A constant column maps to `low`.
public struct MinMaxScaler: TransformStep {
    public static let method = "minmax_scaler"
    public let identity: StepIdentity
    public let columns: [String]?
    public let featureRange: (low: Double, high: Double)
    public let clip: Bool
    public var learnsFromRows: Bool { true }

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        featureRange = try reader.pair("feature_range", default: (0, 1))
        clip = try reader.bool("clip", default: false)
        try reader.finish()
        self.identity = identity
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, expected: scalableDescription, suits: isScalable)
        let names = indices.map { table.columns[$0].name }
        var minimums: [Double] = []
        var maximums: [Double] = []
        for (name, values) in zip(names, trainingValues(table, columns: indices, rows: trainingRows)) {
            try requireValues(values, column: name, by: identity)
            minimums.append(values.min() ?? 0)
            maximums.append(values.max() ?? 0)
        }
        return Fitted(identity: identity, columns: names, dataMinimums: minimums, dataMaximums: maximums, featureRange: featureRange, clip: clip)
    }

    public struct Fitted: FittedStep {
        public let identity: StepIdentity
        public let columns: [String]
        public let dataMinimums: [Double]
        public let dataMaximums: [Double]
        public let featureRange: (low: Double, high: Double)
        public let clip: Bool

        public var scales: [Double] {
            zip(dataMinimums, dataMaximums).map { minimum, maximum in
                let range = maximum - minimum
                return (featureRange.high - featureRange.low) / (range == 0 ? 1 : range)
            }
        }

        public func apply(to table: Table) throws(PreprocessingError) -> Table {
            let scales = scales
            let offsets = zip(dataMinimums, scales).map { featureRange.low - $0 * $1 }
            let (low, high) = featureRange
            let clip = clip
            return try mapNumericColumns(table, names: columns, by: identity) { column, x in
                let y = x * scales[column] + offsets[column]
                return clip ? min(max(y, low), high) : y
            }
        }
    }
}
