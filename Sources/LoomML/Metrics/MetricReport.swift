import LoomColumnar

/// The result of evaluating a metric set: what the evaluate node stores (jsonb), streams
/// as a `metrics` event and shows. Keys are snake_case and stable.
///
/// ```json
/// {"problem_type": "classification", "row_count": 30,
///  "metrics": {"accuracy": 0.9667, "f1_macro": 0.9658},
///  "undefined": {"roc_auc": {"code": "undefined_metric", "metric": "roc_auc", "message": "…"}},
///  "confusion_matrix": {"labels": ["a", "b"], "matrix": [[10, 1], [0, 19]]},
///  "classification_report": [{"label": "a", "precision": 1, "recall": 0.9, "f1": 0.947, "support": 11}],
///  "silhouette_sample": {"sampled": true, "sample_size": 10000, "row_count": 120000, "seed": 0}}
/// ```
public struct MetricReport: Codable, Sendable, Equatable {
    public var problemType: ProblemType
    public var rowCount: Int
    /// Every scalar metric that was computed, by its name (`accuracy`, `rmse`, …).
    public var metrics: [String: Double]
    /// Metrics that were asked for but are undefined on this data (scikit-learn would warn
    /// and give NaN, which JSON cannot hold), with the reason.
    public var undefined: [String: MetricError]
    public var confusionMatrix: ConfusionMatrix?
    public var classificationReport: [ClassReportRow]?
    /// Present whenever `silhouette` was computed; says whether it used a sample.
    public var silhouetteSample: SilhouetteSample?

    public init(
        problemType: ProblemType, rowCount: Int, metrics: [String: Double] = [:],
        undefined: [String: MetricError] = [:], confusionMatrix: ConfusionMatrix? = nil,
        classificationReport: [ClassReportRow]? = nil, silhouetteSample: SilhouetteSample? = nil
    ) {
        self.problemType = problemType
        self.rowCount = rowCount
        self.metrics = metrics
        self.undefined = undefined
        self.confusionMatrix = confusionMatrix
        self.classificationReport = classificationReport
        self.silhouetteSample = silhouetteSample
    }

    enum CodingKeys: String, CodingKey {
        case problemType = "problem_type"
        case rowCount = "row_count"
        case metrics
        case undefined
        case confusionMatrix = "confusion_matrix"
        case classificationReport = "classification_report"
        case silhouetteSample = "silhouette_sample"
    }
}

/// Counts of true (rows) against predicted (columns) classes, in `labels` order.
public struct ConfusionMatrix: Codable, Sendable, Equatable {
    public var labels: [String]
    public var matrix: [[Int]]

    public init(labels: [String], matrix: [[Int]]) {
        self.labels = labels
        self.matrix = matrix
    }
}

/// One row of the per-class report.
public struct ClassReportRow: Codable, Sendable, Equatable {
    public var label: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int

    public init(label: String, precision: Double, recall: Double, f1: Double, support: Int) {
        self.label = label
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// How a silhouette was computed: on all rows, or on a seeded sample of them.
public struct SilhouetteSample: Codable, Sendable, Equatable {
    public var sampled: Bool
    public var sampleSize: Int
    public var rowCount: Int
    public var seed: UInt64

    public init(sampled: Bool, sampleSize: Int, rowCount: Int, seed: UInt64) {
        self.sampled = sampled
        self.sampleSize = sampleSize
        self.rowCount = rowCount
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case sampled
        case sampleSize = "sample_size"
        case rowCount = "row_count"
        case seed
    }
}

/// A ROC curve: points from (0, 0) to (1, 1), thresholds descending from +infinity.
public struct ROCCurve: Sendable, Equatable {
    public var falsePositiveRate: [Double]
    public var truePositiveRate: [Double]
    public var thresholds: [Double]

    /// The area under the curve by the trapezoidal rule.
    public var area: Double {
        var sum = 0.0
        for i in 1..<falsePositiveRate.count {
            sum += (falsePositiveRate[i] - falsePositiveRate[i - 1])
                * (truePositiveRate[i] + truePositiveRate[i - 1]) / 2
        }
        return sum
    }
}

/// A precision–recall curve, recall descending to 0 (where precision is 1).
public struct PrecisionRecallCurve: Sendable, Equatable {
    public var precision: [Double]
    public var recall: [Double]
    public var thresholds: [Double]

    /// Average precision, scikit-learn's step-wise sum Σ (Rₙ − Rₙ₋₁) Pₙ.
    public var averagePrecision: Double {
        var sum = 0.0
        for i in 0..<(recall.count - 1) { sum -= (recall[i + 1] - recall[i]) * precision[i] }
        return sum
    }
}
