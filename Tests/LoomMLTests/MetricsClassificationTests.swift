import LoomColumnar
import Foundation
import Testing

@testable import LoomML

/// Expected values computed with scikit-learn 1.9.1 (see each test) and hard-coded.
@Suite struct MetricsClassificationTests {
    static let tolerance = 1e-9

    static func close(_ a: Double, _ b: Double, _ tol: Double = tolerance) -> Bool { abs(a - b) <= tol }

    // Binary, with tied scores (0.8 three times, 0.6 twice).
    static let binaryTrue = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0]
    static let binaryScores = [0.1, 0.8, 0.8, 0.35, 0.6, 0.6, 0.9, 0.3, 0.2, 0.8, 0.55, 0.05]
    static var binaryData: ClassificationData {
        let pred = binaryScores.map { $0 >= 0.5 ? 1 : 0 }
        let probs = try! ClassProbabilities(values: binaryScores.flatMap { [1 - $0, $0] }, classCount: 2)
        return try! ClassificationData(yTrue: binaryTrue, yPred: pred, labels: ["no", "yes"], probabilities: probs)
    }

    @Test func binaryMetricsMatchScikitLearn() throws {
        let d = Self.binaryData
        #expect(Self.close(ClassificationMetrics.accuracy(d), 0.75))
        #expect(Self.close(ClassificationMetrics.balancedAccuracy(d), 0.75))
        #expect(Self.close(try ClassificationMetrics.precision(d, average: .binary), 0.7142857142857143))
        #expect(Self.close(try ClassificationMetrics.recall(d, average: .binary), 0.8333333333333334))
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .binary), 0.7692307692307693))
        #expect(Self.close(try ClassificationMetrics.precision(d, average: .macro), 0.7571428571428571))
        #expect(Self.close(try ClassificationMetrics.recall(d, average: .macro), 0.75))
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .macro), 0.7482517482517483))
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .weighted), 0.7482517482517483))
        #expect(Self.close(try ClassificationMetrics.rocAUC(d), 0.7916666666666667))
        #expect(Self.close(try ClassificationMetrics.logLoss(d), 0.5167159974078407))
    }

    @Test func rocCurveMatchesScikitLearnWithTies() throws {
        let positives = Self.binaryTrue.map { $0 == 1 }
        let curve = try ClassificationMetrics.rocCurve(scores: Self.binaryScores, positives: positives)
        let fpr: [Double] = [0.0, 0.0, 1 / 6, 1 / 3, 1 / 3, 0.5, 0.5, 1.0]
        let tpr: [Double] = [0.0, 1 / 6, 0.5, 2 / 3, 5 / 6, 5 / 6, 1.0, 1.0]
        #expect(curve.falsePositiveRate.count == fpr.count)
        #expect(zip(curve.falsePositiveRate, fpr).allSatisfy { Self.close($0, $1) })
        #expect(zip(curve.truePositiveRate, tpr).allSatisfy { Self.close($0, $1) })
        #expect(curve.thresholds == [.infinity, 0.9, 0.8, 0.6, 0.55, 0.35, 0.3, 0.05])
    }

    @Test func precisionRecallCurveMatchesScikitLearn() throws {
        let positives = Self.binaryTrue.map { $0 == 1 }
        let curve = try ClassificationMetrics.precisionRecallCurve(scores: Self.binaryScores, positives: positives)
        let precision: [Double] = [0.5, 0.5454545454545454, 0.6, 2 / 3, 0.625, 0.7142857142857143, 2 / 3, 0.75, 1, 1]
        let recall: [Double] = [1, 1, 1, 1, 5 / 6, 5 / 6, 2 / 3, 0.5, 1 / 6, 0]
        #expect(curve.precision.count == precision.count)
        #expect(zip(curve.precision, precision).allSatisfy { Self.close($0, $1) })
        #expect(zip(curve.recall, recall).allSatisfy { Self.close($0, $1) })
        #expect(curve.thresholds == [0.05, 0.1, 0.2, 0.3, 0.35, 0.55, 0.6, 0.8, 0.9])
        #expect(Self.close(curve.averagePrecision, 0.7579365079365078))
    }

    @Test func rocAUCWithManyTiesMatchesScikitLearn() throws {
        let y = [1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0,
                 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0]
        let s = [0.4, 0.3, 0.6, 0.3, 0.6, 0.9, 0.8, 0.5, 0.4, 0.5, 0.3, 0.5, 0.5, 0.6, 0.3, 0.5, 0.3, 0.6,
                 0.4, 0.5, 0.3, 0.3, 0.7, 0.7, 0.3, 0.0, 0.4, 0.8, 0.4, 0.5, 1.0, 0.5, 0.0, 0.5, 0.7, 0.2,
                 0.7, 1.0, 0.9, 0.3, 0.9, 0.4, 0.2, 0.3, 0.5, 0.6, 0.1, 0.2, 0.2, 0.2, 0.4, 0.6, 0.6, 0.8,
                 0.6, 0.7, 0.3, 0.8, 0.6, 0.5]
        let auc = try ClassificationMetrics.binaryAUC(scores: s, positives: y.map { $0 == 1 }, metric: "roc_auc")
        #expect(Self.close(auc, 0.8805803571428571))
    }

    /// Class 2 occurs in y_true but is never predicted; label "d" occurs nowhere and is
    /// left out, as scikit-learn does without a `labels` argument.
    @Test func multiclassWithAbsentPredictedClass() throws {
        let d = try ClassificationData(
            yTrue: [0, 0, 1, 1, 2, 2, 2, 0, 1, 2], yPred: [0, 1, 1, 1, 0, 1, 0, 0, 1, 1],
            labels: ["a", "b", "c", "d"])
        let cm = ClassificationMetrics.confusionMatrix(d)
        #expect(cm.labels == ["a", "b", "c"])
        #expect(cm.matrix == [[2, 1, 0], [0, 3, 0], [2, 2, 0]])
        #expect(Self.close(ClassificationMetrics.accuracy(d), 0.5))
        #expect(Self.close(ClassificationMetrics.balancedAccuracy(d), 0.5555555555555555))
        #expect(Self.close(try ClassificationMetrics.precision(d, average: .macro), 0.3333333333333333))
        #expect(Self.close(try ClassificationMetrics.recall(d, average: .macro), 0.5555555555555555))
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .macro), 0.41269841269841273))
        #expect(Self.close(try ClassificationMetrics.precision(d, average: .weighted), 0.3))
        #expect(Self.close(try ClassificationMetrics.recall(d, average: .weighted), 0.5))
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .weighted), 0.37142857142857144))
        let report = ClassificationMetrics.classReport(d)
        #expect(report.map(\.label) == ["a", "b", "c"])
        #expect(report.map(\.support) == [3, 3, 4])
        #expect(Self.close(report[0].recall, 2 / 3) && Self.close(report[0].f1, 0.5714285714285714))
        #expect(report[2].precision == 0 && report[2].recall == 0 && report[2].f1 == 0)
        #expect(throws: MetricError.self) { try ClassificationMetrics.precision(d, average: .binary) }
    }

    @Test func multiclassProbabilitiesMatchScikitLearn() throws {
        let values = [0.355, 0.457, 0.188, 0.222, 0.388, 0.39, 0.327, 0.539, 0.134, 0.475, 0.032, 0.493,
                      0.405, 0.174, 0.421, 0.503, 0.02, 0.477, 0.271, 0.433, 0.296, 0.537, 0.341, 0.122,
                      0.334, 0.478, 0.188, 0.144, 0.251, 0.605, 0.383, 0.264, 0.353, 0.643, 0.287, 0.07]
        let d = try ClassificationData(
            yTrue: [0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 0, 2], yPred: [1, 2, 1, 2, 2, 0, 1, 0, 1, 2, 0, 0],
            labels: ["x", "y", "z"], probabilities: ClassProbabilities(values: values, classCount: 3))
        #expect(Self.close(try ClassificationMetrics.rocAUCOneVsRestMacro(d), 0.3697916666666667))
        #expect(Self.close(try ClassificationMetrics.logLoss(d), 1.3566489494369647))
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .macro), 0.08333333333333333))
        #expect(Self.close(ClassificationMetrics.balancedAccuracy(d), 0.08333333333333333))
        #expect(throws: MetricError.self) { try ClassificationMetrics.rocAUC(d) }
    }

    @Test func logLossClipsAtMachineEpsilon() throws {
        let wrong = try ClassificationData(
            yTrue: [0, 1], yPred: [0, 0], labels: ["a", "b"],
            probabilities: ClassProbabilities(values: [1, 0, 1, 0], classCount: 2))
        #expect(Self.close(try ClassificationMetrics.logLoss(wrong), 18.021826694558577))
        let right = try ClassificationData(
            yTrue: [0, 1], yPred: [0, 1], labels: ["a", "b"],
            probabilities: ClassProbabilities(values: [1, 0, 0, 1], classCount: 2))
        #expect(Self.close(try ClassificationMetrics.logLoss(right), 2.2204460492503136e-16, 1e-25))
    }

    @Test func zeroDivisionGivesZero() throws {
        let neverPositive = try ClassificationData(yTrue: [0, 1, 1], yPred: [0, 0, 0], labels: ["n", "p"])
        #expect(try ClassificationMetrics.precision(neverPositive, average: .binary) == 0)
        #expect(try ClassificationMetrics.f1(neverPositive, average: .binary) == 0)
        let noTruePositive = try ClassificationData(yTrue: [0, 0, 0], yPred: [0, 1, 0], labels: ["n", "p"])
        #expect(try ClassificationMetrics.recall(noTruePositive, average: .binary) == 0)
    }

    /// A hand count: 3 of 4 right, one "b" predicted as "a".
    @Test func handComputedSmallCase() throws {
        let d = try ClassificationData(yTrue: [0, 1, 1, 0], yPred: [0, 0, 1, 0], labels: ["a", "b"])
        #expect(ClassificationMetrics.accuracy(d) == 0.75)
        #expect(ClassificationMetrics.confusionMatrix(d).matrix == [[2, 0], [1, 1]])
        #expect(try ClassificationMetrics.precision(d, average: .binary) == 1)
        #expect(try ClassificationMetrics.recall(d, average: .binary) == 0.5)
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .binary), 2.0 / 3.0))
        #expect(ClassificationMetrics.balancedAccuracy(d) == 0.75)
    }

    /// shared/reference/iris.json, logistic regression: 30 test rows, all right.
    @Test func irisReferenceConfusionMatrixAndLabels() throws {
        let labels = ["setosa", "versicolor", "virginica"]
        let yTrue = [Int](repeating: 0, count: 10) + [Int](repeating: 1, count: 9) + [Int](repeating: 2, count: 11)
        let report = try MetricSet(names: [], problemType: .classification)
            .evaluate(ClassificationData(yTrue: yTrue, yPred: yTrue, labels: labels))
        #expect(report.confusionMatrix == ConfusionMatrix(labels: labels, matrix: [[10, 0, 0], [0, 9, 0], [0, 0, 11]]))
        for name in ["accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro", "f1_weighted"] {
            #expect(report.metrics[name] == 1.0, "\(name)")
        }
        #expect(report.metrics["roc_auc_ovr_macro"] == nil)
        #expect(report.rowCount == 30)
    }

    @Test func rocAUCWithOneClassIsUndefined() throws {
        let d = try ClassificationData(
            yTrue: [1, 1, 1], yPred: [1, 0, 1], labels: ["n", "p"],
            probabilities: ClassProbabilities(values: [0.2, 0.8, 0.6, 0.4, 0.1, 0.9], classCount: 2))
        #expect(throws: MetricError(.undefinedMetric, metric: "roc_auc",
            "only one class is present in y_true; ROC AUC is not defined in that case")) {
            try ClassificationMetrics.rocAUC(d)
        }
        let report = try MetricSet(names: ["accuracy", "roc_auc"], problemType: .classification).evaluate(d)
        #expect(report.undefined["roc_auc"]?.code == .undefinedMetric)
        #expect(report.metrics["accuracy"] != nil && report.metrics["roc_auc"] == nil)
    }

    @Test func badInputThrowsInsteadOfTrapping() {
        #expect(throws: MetricError.self) { try ClassificationData(yTrue: [], yPred: [], labels: ["a"]) }
        #expect(throws: MetricError.self) { try ClassificationData(yTrue: [0, 1], yPred: [0], labels: ["a", "b"]) }
        #expect(throws: MetricError.self) { try ClassificationData(yTrue: [0, 2], yPred: [0, 1], labels: ["a", "b"]) }
        #expect(throws: MetricError.self) { try ClassificationData(yTrue: [0], yPred: [0], labels: []) }
        #expect(throws: MetricError.self) { try ClassProbabilities(values: [0.5, 0.5, 0.5], classCount: 2) }
        #expect(throws: MetricError.self) { try ClassProbabilities(values: [1.5, -0.5], classCount: 2) }
        #expect(throws: MetricError.self) { try ClassProbabilities(values: [.nan, 1], classCount: 2) }
        #expect(throws: MetricError.self) {
            try ClassificationData(
                yTrue: [0, 1], yPred: [0, 1], labels: ["a", "b", "c"],
                probabilities: ClassProbabilities(values: [0.5, 0.5, 0.5, 0.5], classCount: 2))
        }
        #expect(throws: MetricError.self) { try ClassificationMetrics.rocCurve(scores: [0.1], positives: []) }
        #expect(throws: MetricError.self) { try ClassificationMetrics.rocCurve(scores: [], positives: []) }
    }

    @Test func ovrNeedsRowsSummingToOne() throws {
        let d = try ClassificationData(
            yTrue: [0, 1, 2], yPred: [0, 1, 2], labels: ["a", "b", "c"],
            probabilities: ClassProbabilities(values: [0.9, 0.9, 0, 0, 1, 0, 0, 0, 1], classCount: 3))
        let error = #expect(throws: MetricError.self) { try ClassificationMetrics.rocAUCOneVsRestMacro(d) }
        #expect(error?.code == .invalidProbabilities)
    }
}
