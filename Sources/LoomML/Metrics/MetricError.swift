/// Why a metric could not be computed. `code` is stable and safe to match on; `metric`
/// names the metric (or input) at fault; `message` is for people.
public struct MetricError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Codable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A metric name that Loom does not know.
        public static let unknownMetric = Code(rawValue: "unknown_metric")
        /// A known metric that does not apply here (a regression metric on a classifier,
        /// binary `roc_auc` on three classes).
        public static let metricNotApplicable = Code(rawValue: "metric_not_applicable")
        /// No rows.
        public static let emptyInput = Code(rawValue: "empty_input")
        /// Arrays that should line up do not.
        public static let lengthMismatch = Code(rawValue: "length_mismatch")
        /// A class index outside `labels`, a centroid index outside the centroids.
        public static let indexOutOfRange = Code(rawValue: "index_out_of_range")
        /// NaN or infinity where a number is needed.
        public static let nonFiniteValue = Code(rawValue: "non_finite_value")
        /// Probabilities outside [0, 1], or rows that do not sum to 1 where that matters.
        public static let invalidProbabilities = Code(rawValue: "invalid_probabilities")
        /// A metric that needs class probabilities was asked for without them.
        public static let missingProbabilities = Code(rawValue: "missing_probabilities")
        /// The metric is mathematically undefined on this data (scikit-learn warns and
        /// returns NaN, or raises): one class in `y_true` for ROC AUC, one cluster for a
        /// silhouette. An evaluation records it under `undefined` instead of failing.
        public static let undefinedMetric = Code(rawValue: "undefined_metric")
        /// A parameter of the call itself is wrong (column count of zero, no labels).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
    }

    public var code: Code
    public var metric: String?
    public var message: String

    public init(_ code: Code, metric: String? = nil, _ message: String) {
        self.code = code
        self.metric = metric
        self.message = message
    }

    public var description: String {
        if let metric { return "\(code.rawValue) (\(metric)): \(message)" }
        return "\(code.rawValue): \(message)"
    }

    /// The same error, attributed to `metric` if it names none yet.
    func attributed(to metric: String) -> MetricError {
        var copy = self
        if copy.metric == nil { copy.metric = metric }
        return copy
    }
}
