import Foundation

/// Classification metrics with scikit-learn's definitions (1.9), including its defaults:
/// labels are those present in `y_true` or `y_pred`; a 0/0 precision, recall or F1 is 0.0
/// (`zero_division="warn"`); log loss clips probabilities to [eps, 1 − eps].
public enum ClassificationMetrics {
    /// How per-class precision, recall and F1 are combined.
    public enum Average: String, Sendable, Codable, CaseIterable {
        /// The positive class (index 1) only; two labels required.
        case binary
        /// Unweighted mean over the present classes.
        case macro
        /// Mean over the present classes weighted by true support.
        case weighted
    }

    public static func accuracy(_ data: ClassificationData) -> Double {
        var correct = 0
        for i in 0..<data.rowCount where data.yTrue[i] == data.yPred[i] { correct += 1 }
        return Double(correct) / Double(data.rowCount)
    }

    /// Rows are true classes, columns predicted, over the present classes (as
    /// `sklearn.metrics.confusion_matrix(y_true, y_pred)`).
    public static func confusionMatrix(_ data: ClassificationData) -> ConfusionMatrix {
        let present = data.presentClasses
        var position = [Int](repeating: -1, count: data.labels.count)
        for (p, c) in present.enumerated() { position[c] = p }
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: present.count), count: present.count)
        for i in 0..<data.rowCount {
            matrix[position[data.yTrue[i]]][position[data.yPred[i]]] += 1
        }
        return ConfusionMatrix(labels: present.map { data.labels[$0] }, matrix: matrix)
    }

    /// Mean recall over the classes that occur in `y_true`.
    public static func balancedAccuracy(_ data: ClassificationData) -> Double {
        let counts = ClassCounts(data)
        var sum = 0.0
        var n = 0
        for c in 0..<data.labels.count where counts.truth[c] > 0 {
            sum += Double(counts.truePositive[c]) / Double(counts.truth[c])
            n += 1
        }
        return sum / Double(n)
    }

    public static func precision(_ data: ClassificationData, average: Average) throws(MetricError) -> Double {
        try averaged(data, average: average, name: "precision") { $0.precision }
    }

    public static func recall(_ data: ClassificationData, average: Average) throws(MetricError) -> Double {
        try averaged(data, average: average, name: "recall") { $0.recall }
    }

    public static func f1(_ data: ClassificationData, average: Average) throws(MetricError) -> Double {
        try averaged(data, average: average, name: "f1") { $0.f1 }
    }

    /// Precision, recall, F1 and support of every present class (scikit-learn's
    /// `classification_report` rows).
    public static func classReport(_ data: ClassificationData) -> [ClassReportRow] {
        let counts = ClassCounts(data)
        return data.presentClasses.map { c in
            let s = counts.scores(c)
            return ClassReportRow(
                label: data.labels[c], precision: s.precision, recall: s.recall, f1: s.f1,
                support: counts.truth[c])
        }
    }

    /// Binary ROC AUC from the probability of class index 1.
    public static func rocAUC(_ data: ClassificationData) throws(MetricError) -> Double {
        let name = "roc_auc"
        guard data.labels.count == 2 else {
            throw MetricError(
                .metricNotApplicable, metric: name,
                "binary ROC AUC needs 2 classes, this model has \(data.labels.count); use roc_auc_ovr_macro")
        }
        guard let probabilities = data.probabilities else {
            throw MetricError(.missingProbabilities, metric: name, "ROC AUC needs class probabilities")
        }
        let positives = data.yTrue.map { $0 == 1 }
        return try binaryAUC(scores: probabilities.column(1), positives: positives, metric: name)
    }

    /// One-vs-rest ROC AUC averaged over all classes with equal weight. As scikit-learn,
    /// the probability rows must sum to 1, and every class must occur in `y_true`.
    public static func rocAUCOneVsRestMacro(_ data: ClassificationData) throws(MetricError) -> Double {
        let name = "roc_auc_ovr_macro"
        guard let probabilities = data.probabilities else {
            throw MetricError(.missingProbabilities, metric: name, "ROC AUC needs class probabilities")
        }
        guard data.labels.count >= 2 else {
            throw MetricError(.metricNotApplicable, metric: name, "ROC AUC needs at least 2 classes")
        }
        for r in 0..<probabilities.rowCount {
            var sum = 0.0
            for c in 0..<probabilities.classCount { sum += probabilities[r, c] }
            // numpy.allclose(1, sum): |sum − 1| <= 1e-8 + 1e-5 · |sum|.
            guard abs(sum - 1) <= 1e-8 + 1e-5 * abs(sum) else {
                throw MetricError(
                    .invalidProbabilities, metric: name,
                    "row \(r) of the class probabilities sums to \(sum), not 1")
            }
        }
        var total = 0.0
        for c in 0..<data.labels.count {
            let positives = data.yTrue.map { $0 == c }
            do {
                total += try binaryAUC(scores: probabilities.column(c), positives: positives, metric: name)
            } catch {
                throw MetricError(
                    .undefinedMetric, metric: name,
                    "class \"\(data.labels[c])\" has no true rows in this set, so its one-vs-rest AUC is undefined")
            }
        }
        return total / Double(data.labels.count)
    }

    /// Mean negative log-likelihood of the true class, probabilities clipped to
    /// [eps, 1 − eps] with eps = `Double.ulpOfOne` (numpy's float64 eps).
    public static func logLoss(_ data: ClassificationData) throws(MetricError) -> Double {
        guard let probabilities = data.probabilities else {
            throw MetricError(.missingProbabilities, metric: "log_loss", "log loss needs class probabilities")
        }
        let eps = Double.ulpOfOne
        var total = 0.0
        for i in 0..<data.rowCount {
            let p = min(max(probabilities[i, data.yTrue[i]], eps), 1 - eps)
            total -= log(p)
        }
        return total / Double(data.rowCount)
    }

    // MARK: Curves

    /// A ROC curve as `sklearn.metrics.roc_curve(drop_intermediate=True)`: it starts at
    /// (0, 0) with threshold +infinity and drops collinear points.
    public static func rocCurve(scores: [Double], positives: [Bool]) throws(MetricError) -> ROCCurve {
        let base = try BinaryCurve(scores: scores, positives: positives, metric: "roc_curve")
        guard let lastT = base.tps.last, lastT > 0, let lastF = base.fps.last, lastF > 0 else {
            throw MetricError(
                .undefinedMetric, metric: "roc_curve",
                "a ROC curve needs both positive and negative rows")
        }
        // Keep the ends and every point where the slope changes.
        var keep: [Int] = []
        let m = base.tps.count
        for i in 0..<m {
            if i == 0 || i == m - 1 {
                keep.append(i)
                continue
            }
            let df = (base.fps[i + 1] - base.fps[i]) - (base.fps[i] - base.fps[i - 1])
            let dt = (base.tps[i + 1] - base.tps[i]) - (base.tps[i] - base.tps[i - 1])
            if df != 0 || dt != 0 { keep.append(i) }
        }
        var fpr = [0.0], tpr = [0.0], thresholds = [Double.infinity]
        for i in keep {
            fpr.append(base.fps[i] / lastF)
            tpr.append(base.tps[i] / lastT)
            thresholds.append(base.thresholds[i])
        }
        return ROCCurve(falsePositiveRate: fpr, truePositiveRate: tpr, thresholds: thresholds)
    }

    /// A precision–recall curve as `sklearn.metrics.precision_recall_curve`: recall
    /// descending, ending at (recall 0, precision 1).
    public static func precisionRecallCurve(
        scores: [Double], positives: [Bool]
    ) throws(MetricError) -> PrecisionRecallCurve {
        let base = try BinaryCurve(scores: scores, positives: positives, metric: "precision_recall_curve")
        guard let lastT = base.tps.last, lastT > 0 else {
            throw MetricError(
                .undefinedMetric, metric: "precision_recall_curve",
                "a precision-recall curve needs positive rows")
        }
        var precision: [Double] = [], recall: [Double] = [], thresholds: [Double] = []
        for i in stride(from: base.tps.count - 1, through: 0, by: -1) {
            let predicted = base.tps[i] + base.fps[i]
            precision.append(predicted == 0 ? 0 : base.tps[i] / predicted)
            recall.append(base.tps[i] / lastT)
            thresholds.append(base.thresholds[i])
        }
        precision.append(1)
        recall.append(0)
        return PrecisionRecallCurve(precision: precision, recall: recall, thresholds: thresholds)
    }

    /// Area under a ROC curve (scikit-learn's `auc`: the trapezoidal rule).
    static func binaryAUC(scores: [Double], positives: [Bool], metric: String) throws(MetricError) -> Double {
        let hasPositive = positives.contains(true), hasNegative = positives.contains(false)
        guard hasPositive, hasNegative else {
            throw MetricError(
                .undefinedMetric, metric: metric,
                "only one class is present in y_true; ROC AUC is not defined in that case")
        }
        let curve = try rocCurve(scores: scores, positives: positives)
        return curve.area
    }

    // MARK: Internals

    private static func averaged(
        _ data: ClassificationData, average: Average, name: String,
        _ pick: (ClassCounts.Scores) -> Double
    ) throws(MetricError) -> Double {
        let counts = ClassCounts(data)
        switch average {
        case .binary:
            guard data.labels.count == 2 else {
                throw MetricError(
                    .metricNotApplicable, metric: name,
                    "binary \(name) needs 2 classes, this model has \(data.labels.count); use \(name)_macro or \(name)_weighted")
            }
            return pick(counts.scores(1))
        case .macro:
            let present = data.presentClasses
            var sum = 0.0
            for c in present { sum += pick(counts.scores(c)) }
            return sum / Double(present.count)
        case .weighted:
            var sum = 0.0
            for c in data.presentClasses { sum += pick(counts.scores(c)) * Double(counts.truth[c]) }
            return sum / Double(data.rowCount)
        }
    }
}

/// Per-class counts from which precision, recall and F1 follow.
struct ClassCounts {
    struct Scores {
        var precision: Double
        var recall: Double
        var f1: Double
    }

    var truePositive: [Int]
    var truth: [Int]
    var predicted: [Int]

    init(_ data: ClassificationData) {
        let k = data.labels.count
        truePositive = [Int](repeating: 0, count: k)
        truth = truePositive
        predicted = truePositive
        for i in 0..<data.rowCount {
            truth[data.yTrue[i]] += 1
            predicted[data.yPred[i]] += 1
            if data.yTrue[i] == data.yPred[i] { truePositive[data.yTrue[i]] += 1 }
        }
    }

    /// 0/0 is 0.0, scikit-learn's default; F1 is 2·TP / (2·TP + FP + FN) as in
    /// scikit-learn ≥ 1.3, so it is 0 when precision and recall are both 0.
    func scores(_ c: Int) -> Scores {
        let tp = Double(truePositive[c])
        let precision = predicted[c] == 0 ? 0 : tp / Double(predicted[c])
        let recall = truth[c] == 0 ? 0 : tp / Double(truth[c])
        let denominator = Double(predicted[c] + truth[c])
        let f1 = denominator == 0 ? 0 : 2 * tp / denominator
        return Scores(precision: precision, recall: recall, f1: f1)
    }
}

/// Cumulative true and false positives at each distinct score, scores descending
/// (scikit-learn's `_binary_clf_curve`).
struct BinaryCurve {
    var fps: [Double] = []
    var tps: [Double] = []
    var thresholds: [Double] = []

    init(scores: [Double], positives: [Bool], metric: String) throws(MetricError) {
        guard !scores.isEmpty else { throw MetricError(.emptyInput, metric: metric, "no scores") }
        guard scores.count == positives.count else {
            throw MetricError(
                .lengthMismatch, metric: metric, "\(scores.count) scores for \(positives.count) rows")
        }
        if let bad = scores.first(where: { !$0.isFinite }) {
            throw MetricError(.nonFiniteValue, metric: metric, "a score is \(bad)")
        }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0.0
        for (k, i) in order.enumerated() {
            if positives[i] { tp += 1 }
            let isLastOfTie = k == order.count - 1 || scores[order[k + 1]] != scores[i]
            if isLastOfTie {
                tps.append(tp)
                fps.append(Double(k + 1) - tp)
                thresholds.append(scores[i])
            }
        }
    }
}
