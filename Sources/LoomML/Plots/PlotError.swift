import LoomColumnar

/// Why a plot could not be drawn. `code` is stable; `plot` names the plot kind.
public struct PlotError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Codable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A plot name that Loom does not know.
        public static let unknownPlot = Code(rawValue: "unknown_plot")
        /// No rows, or nothing to draw.
        public static let emptyInput = Code(rawValue: "empty_input")
        /// Arrays that should line up do not.
        public static let lengthMismatch = Code(rawValue: "length_mismatch")
        /// A class or cluster index outside its range, a zero column count.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// NaN or infinity in the data.
        public static let nonFiniteValue = Code(rawValue: "non_finite_value")
        /// The plot needs an input that was not given (a ROC curve without probabilities).
        public static let missingInput = Code(rawValue: "missing_input")
        /// The data cannot make this plot (a ROC curve without both classes).
        public static let undefinedPlot = Code(rawValue: "undefined_plot")
    }

    public var code: Code
    public var plot: String?
    public var message: String

    public init(_ code: Code, plot: String? = nil, _ message: String) {
        self.code = code
        self.plot = plot
        self.message = message
    }

    public var description: String {
        if let plot { return "\(code.rawValue) (\(plot)): \(message)" }
        return "\(code.rawValue): \(message)"
    }

    static func from(_ error: MetricError, plot: String) -> PlotError {
        let code: Code
        switch error.code {
        case .emptyInput: code = .emptyInput
        case .lengthMismatch: code = .lengthMismatch
        case .nonFiniteValue: code = .nonFiniteValue
        case .undefinedMetric: code = .undefinedPlot
        default: code = .invalidArgument
        }
        return PlotError(code, plot: plot, error.message)
    }
}

/// Every plot a visualize node can ask for, by the name users write.
public enum PlotKind: String, Codable, Sendable, CaseIterable {
    case confusionMatrix = "confusion_matrix"
    case rocCurve = "roc_curve"
    case precisionRecallCurve = "precision_recall_curve"
    case featureImportance = "feature_importance"
    case residuals
    case predictedVsActual = "predicted_vs_actual"
    case clusterScatter = "cluster_scatter"
    case targetDistribution = "target_distribution"

    /// The problem types the plot applies to.
    public var problemTypes: Set<ProblemType> {
        switch self {
        case .confusionMatrix, .rocCurve, .precisionRecallCurve: [.classification]
        case .residuals, .predictedVsActual: [.regression]
        case .clusterScatter: [.clustering]
        case .featureImportance, .targetDistribution: [.classification, .regression]
        }
    }

    /// Parses a user-written name (spaces around it and letter case ignored).
    public init(parsing text: String) throws(PlotError) {
        guard let kind = PlotKind(rawValue: text.trimmingWhitespace().lowercased()) else {
            let known = PlotKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw PlotError(.unknownPlot, plot: text, "unknown plot \"\(text)\"; known plots: \(known)")
        }
        self = kind
    }
}
