import LoomColumnar

/// `standard_scaler`: x → (x − mean) / standard deviation, with the mean and the
/// population standard deviation of the training rows (scikit-learn's StandardScaler).
/// A column with no spread is only centred. Missing values are ignored when fitting and
/// stay missing.
public struct StandardScaler: TransformStep {
    public static let method = "standard_scaler"
    public let identity: StepIdentity
    public let columns: [String]?
    public let withMean: Bool
    public let withStd: Bool
    public var learnsFromRows: Bool { true }

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        withMean = try reader.bool("with_mean", default: true)
        withStd = try reader.bool("with_std", default: true)
        try reader.finish()
        self.identity = identity
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, expected: scalableDescription, suits: isScalable)
        let names = indices.map { table.columns[$0].name }
        var means: [Double] = []
        var deviations: [Double] = []
        for (name, values) in zip(names, trainingValues(table, columns: indices, rows: trainingRows)) {
            try requireValues(values, column: name, by: identity)
            let (mean, variance) = meanAndVariance(values)
            means.append(mean)
            deviations.append(variance.squareRoot())
        }
        return Fitted(identity: identity, columns: names, means: means, standardDeviations: deviations, withMean: withMean, withStd: withStd)
    }

    /// What the scaler learned from the training rows.
    public struct Fitted: FittedStep {
        public let identity: StepIdentity
        public let columns: [String]
        public let means: [Double]
        public let standardDeviations: [Double]
        public let withMean: Bool
        public let withStd: Bool

        /// The divisor per column: the standard deviation, or 1 where it is 0 (or scaling is off).
        public var scales: [Double] { standardDeviations.map { withStd && $0 > 0 ? $0 : 1 } }

        public func apply(to table: Table) throws(PreprocessingError) -> Table {
            let centers = withMean ? means : [Double](repeating: 0, count: means.count)
            let scales = scales
            return try mapNumericColumns(table, names: columns, by: identity) { column, x in (x - centers[column]) / scales[column] }
        }
    }
}
