import LoomColumnar

/// `robust_scaler`: x → (x − median) / (q_high − q_low), with the median and the
/// `quantile_range` percentiles (default [25, 75], the interquartile range) of the
/// training rows, as scikit-learn's RobustScaler. A column whose range is 0 is only centred.
public struct RobustScaler: TransformStep {
    public static let method = "robust_scaler"
    public let identity: StepIdentity
    public let columns: [String]?
    public let withCentering: Bool
    public let withScaling: Bool
    public let quantileRange: (low: Double, high: Double)
    public var learnsFromRows: Bool { true }

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        withCentering = try reader.bool("with_centering", default: true)
        withScaling = try reader.bool("with_scaling", default: true)
        quantileRange = try reader.pair("quantile_range", default: (25, 75), within: 0...100)
        try reader.finish()
        self.identity = identity
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, expected: scalableDescription, suits: isScalable)
        let names = indices.map { table.columns[$0].name }
        var centers: [Double] = []
        var ranges: [Double] = []
        for (name, values) in zip(names, trainingValues(table, columns: indices, rows: trainingRows)) {
            try requireValues(values, column: name, by: identity)
            let stats = percentiles(values, [50, quantileRange.low, quantileRange.high])
            centers.append(stats[0])
            ranges.append(stats[2] - stats[1])
        }
        return Fitted(identity: identity, columns: names, medians: centers, quantileRanges: ranges, withCentering: withCentering, withScaling: withScaling)
    }

    public struct Fitted: FittedStep {
        public let identity: StepIdentity
        public let columns: [String]
        public let medians: [Double]
        /// q_high − q_low of each column's training values.
        public let quantileRanges: [Double]
        public let withCentering: Bool
        public let withScaling: Bool

        public func apply(to table: Table) throws(PreprocessingError) -> Table {
            let centers = withCentering ? medians : [Double](repeating: 0, count: medians.count)
            let scales = quantileRanges.map { withScaling && $0 != 0 ? $0 : 1 }
            return try mapNumericColumns(table, names: columns, by: identity) { column, x in (x - centers[column]) / scales[column] }
        }
    }
}
