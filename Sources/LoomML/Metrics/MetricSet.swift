import LoomColumnar

/// Every metric Loom computes, by the name users write in an evaluate node (scikit-learn's
/// names, as in `shared/reference`).
public enum MetricName: String, Codable, Sendable, CaseIterable {
    case accuracy
    case balancedAccuracy = "balanced_accuracy"
    case precision, recall, f1
    case precisionMacro = "precision_macro"
    case recallMacro = "recall_macro"
    case f1Macro = "f1_macro"
    case precisionWeighted = "precision_weighted"
    case recallWeighted = "recall_weighted"
    case f1Weighted = "f1_weighted"
    case rocAUC = "roc_auc"
    case rocAUCOneVsRestMacro = "roc_auc_ovr_macro"
    case logLoss = "log_loss"
    case confusionMatrix = "confusion_matrix"
    case classificationReport = "classification_report"

    case mse, rmse, mae, r2, mape
    case explainedVariance = "explained_variance"

    case inertia, silhouette
    case daviesBouldin = "davies_bouldin"
    case calinskiHarabasz = "calinski_harabasz"

    public var problemType: ProblemType {
        switch self {
        case .accuracy, .balancedAccuracy, .precision, .recall, .f1, .precisionMacro, .recallMacro,
            .f1Macro, .precisionWeighted, .recallWeighted, .f1Weighted, .rocAUC, .rocAUCOneVsRestMacro,
            .logLoss, .confusionMatrix, .classificationReport:
            .classification
        case .mse, .rmse, .mae, .r2, .mape, .explainedVariance:
            .regression
        case .inertia, .silhouette, .daviesBouldin, .calinskiHarabasz:
            .clustering
        }
    }

    /// Whether the metric needs class probabilities.
    public var needsProbabilities: Bool {
        switch self {
        case .rocAUC, .rocAUCOneVsRestMacro, .logLoss: true
        default: false
        }
    }

    /// Parses a user-written name: surrounding spaces and letter case are ignored, and
    /// `roc_auc_ovr` (scikit-learn's scorer name) means `roc_auc_ovr_macro`.
    public init(parsing text: String) throws(MetricError) {
        let name = text.trimmingWhitespace().lowercased()
        if let known = MetricName(rawValue: name) {
            self = known
        } else if name == "roc_auc_ovr" {
            self = .rocAUCOneVsRestMacro
        } else {
            let known = MetricName.allCases.map(\.rawValue).joined(separator: ", ")
            throw MetricError(
                .unknownMetric, metric: text, "unknown metric \"\(text)\"; known metrics: \(known)")
        }
    }
}

/// The metrics an evaluate node computes. An empty list of names means the standard set
/// for the problem type.
public struct MetricSet: Sendable, Equatable {
    public let problemType: ProblemType
    /// The names asked for, in order without repeats; nil for the standard set.
    public let requested: [MetricName]?

    /// Checks every name now, so a bad workflow is refused before anything runs.
    public init(names: [String], problemType: ProblemType) throws(MetricError) {
        self.problemType = problemType
        if names.isEmpty {
            requested = nil
            return
        }
        var chosen: [MetricName] = []
        for text in names {
            let name = try MetricName(parsing: text)
            guard name.problemType == problemType else {
                throw MetricError(
                    .metricNotApplicable, metric: name.rawValue,
                    "\(name.rawValue) is a \(name.problemType.rawValue) metric; this is a \(problemType.rawValue) problem")
            }
            if !chosen.contains(name) { chosen.append(name) }
        }
        requested = chosen
    }

    /// The standard classification set: scikit-learn's reference metrics, plus the binary
    /// precision/recall/F1 for two classes, and the probability metrics when there are
    /// probabilities.
    public static func standardClassification(classCount: Int, hasProbabilities: Bool) -> [MetricName] {
        var names: [MetricName] = [.accuracy, .balancedAccuracy]
        if classCount == 2 { names += [.precision, .recall, .f1] }
        names += [.precisionMacro, .recallMacro, .f1Macro, .f1Weighted]
        if hasProbabilities {
            names.append(classCount == 2 ? .rocAUC : .rocAUCOneVsRestMacro)
            names.append(.logLoss)
        }
        names += [.confusionMatrix, .classificationReport]
        return names
    }

    public static let standardRegression: [MetricName] = [.mse, .rmse, .mae, .r2, .mape, .explainedVariance]
    public static let standardClustering: [MetricName] = [.inertia, .silhouette, .daviesBouldin, .calinskiHarabasz]

    public func evaluate(_ data: ClassificationData) throws(MetricError) -> MetricReport {
        try requireProblem(.classification)
        let names = requested ?? Self.standardClassification(
            classCount: data.labels.count, hasProbabilities: data.probabilities != nil)
        var report = MetricReport(problemType: .classification, rowCount: data.rowCount)
        var matrix: ConfusionMatrix?
        var classReport: [ClassReportRow]?
        for name in names {
            try record(name, into: &report) { () throws(MetricError) -> Double? in
                switch name {
                case .accuracy: return ClassificationMetrics.accuracy(data)
                case .balancedAccuracy: return ClassificationMetrics.balancedAccuracy(data)
                case .precision: return try ClassificationMetrics.precision(data, average: .binary)
                case .recall: return try ClassificationMetrics.recall(data, average: .binary)
                case .f1: return try ClassificationMetrics.f1(data, average: .binary)
                case .precisionMacro: return try ClassificationMetrics.precision(data, average: .macro)
                case .recallMacro: return try ClassificationMetrics.recall(data, average: .macro)
                case .f1Macro: return try ClassificationMetrics.f1(data, average: .macro)
                case .precisionWeighted: return try ClassificationMetrics.precision(data, average: .weighted)
                case .recallWeighted: return try ClassificationMetrics.recall(data, average: .weighted)
                case .f1Weighted: return try ClassificationMetrics.f1(data, average: .weighted)
                case .rocAUC: return try ClassificationMetrics.rocAUC(data)
                case .rocAUCOneVsRestMacro: return try ClassificationMetrics.rocAUCOneVsRestMacro(data)
                case .logLoss: return try ClassificationMetrics.logLoss(data)
                case .confusionMatrix:
                    matrix = ClassificationMetrics.confusionMatrix(data)
                    return nil
                case .classificationReport:
                    classReport = ClassificationMetrics.classReport(data)
                    return nil
                default: throw Self.wrongFamily(name, .classification)
                }
            }
        }
        report.confusionMatrix = matrix
        report.classificationReport = classReport
        return report
    }

    public func evaluate(_ data: RegressionData) throws(MetricError) -> MetricReport {
        try requireProblem(.regression)
        var report = MetricReport(problemType: .regression, rowCount: data.rowCount)
        for name in requested ?? Self.standardRegression {
            try record(name, into: &report) { () throws(MetricError) -> Double? in
                switch name {
                case .mse: return RegressionMetrics.meanSquaredError(data)
                case .rmse: return RegressionMetrics.rootMeanSquaredError(data)
                case .mae: return RegressionMetrics.meanAbsoluteError(data)
                case .r2: return try RegressionMetrics.r2(data)
                case .mape: return RegressionMetrics.meanAbsolutePercentageError(data)
                case .explainedVariance: return RegressionMetrics.explainedVariance(data)
                default: throw Self.wrongFamily(name, .regression)
                }
            }
        }
        return report
    }

    /// `seed` chooses the silhouette's sample when there are more than
    /// `ClusteringMetrics.silhouetteSampleLimit` rows.
    public func evaluate(_ data: ClusteringData, seed: UInt64 = 0) throws(MetricError) -> MetricReport {
        try requireProblem(.clustering)
        var report = MetricReport(problemType: .clustering, rowCount: data.rowCount)
        var sample: SilhouetteSample?
        for name in requested ?? Self.standardClustering {
            try record(name, into: &report) { () throws(MetricError) -> Double? in
                switch name {
                case .inertia: return ClusteringMetrics.inertia(data)
                case .silhouette:
                    let result = try ClusteringMetrics.silhouette(data, seed: seed)
                    sample = result.sample
                    return result.score
                case .daviesBouldin: return try ClusteringMetrics.daviesBouldin(data)
                case .calinskiHarabasz: return try ClusteringMetrics.calinskiHarabasz(data)
                default: throw Self.wrongFamily(name, .clustering)
                }
            }
        }
        report.silhouetteSample = sample
        return report
    }

    // MARK: Internals

    /// Runs one metric: a value goes into `metrics`, an undefined metric into `undefined`,
    /// any other error is thrown with the metric's name.
    private func record(
        _ name: MetricName, into report: inout MetricReport,
        _ compute: () throws(MetricError) -> Double?
    ) throws(MetricError) {
        do throws(MetricError) {
            guard let value = try compute() else { return }
            // JSON has no NaN or infinity; no metric here produces one, but a report must
            // always encode.
            guard value.isFinite else {
                throw MetricError(.undefinedMetric, metric: name.rawValue, "the value is \(value)")
            }
            report.metrics[name.rawValue] = value
        } catch {
            let attributed = error.attributed(to: name.rawValue)
            guard attributed.code == .undefinedMetric else { throw attributed }
            report.undefined[name.rawValue] = attributed
        }
    }

    private func requireProblem(_ kind: ProblemType) throws(MetricError) {
        guard problemType == kind else {
            throw MetricError(
                .metricNotApplicable,
                "this metric set is for a \(problemType.rawValue) problem, not \(kind.rawValue)")
        }
    }

    private static func wrongFamily(_ name: MetricName, _ kind: ProblemType) -> MetricError {
        MetricError(
            .metricNotApplicable, metric: name.rawValue,
            "\(name.rawValue) is a \(name.problemType.rawValue) metric, not \(kind.rawValue)")
    }
}

extension String {
    /// The string without leading and trailing whitespace (names users type in nodes).
    public func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
