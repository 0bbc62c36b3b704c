import LoomColumnar
import Foundation
import Testing

@testable import LoomML

@Suite struct MetricsSetTests {
    @Test func unknownMetricHasAStableCodeNamingIt() {
        let error = #expect(throws: MetricError.self) {
            try MetricSet(names: ["accuracy", "acuracy"], problemType: .classification)
        }
        #expect(error?.code == .unknownMetric)
        #expect(error?.code.rawValue == "unknown_metric")
        #expect(error?.metric == "acuracy")
        #expect(error?.message.contains("acuracy") == true)
    }

    @Test func metricOfAnotherProblemTypeIsRefused() {
        let error = #expect(throws: MetricError.self) {
            try MetricSet(names: ["rmse"], problemType: .classification)
        }
        #expect(error?.code == .metricNotApplicable)
        #expect(error?.metric == "rmse")
    }

    @Test func namesAreNormalisedAndDeduplicated() throws {
        let set = try MetricSet(names: [" Accuracy", "accuracy", "roc_auc_ovr", "F1_MACRO"], problemType: .classification)
        #expect(set.requested == [.accuracy, .rocAUCOneVsRestMacro, .f1Macro])
    }

    @Test func standardSetsPerProblemType() throws {
        let probs = try ClassProbabilities(values: [0.9, 0.1, 0.2, 0.8, 0.7, 0.3], classCount: 2)
        let binary = try ClassificationData(yTrue: [0, 1, 1], yPred: [0, 1, 0], labels: ["n", "p"], probabilities: probs)
        let report = try MetricSet(names: [], problemType: .classification).evaluate(binary)
        #expect(Set(report.metrics.keys) == [
            "accuracy", "balanced_accuracy", "precision", "recall", "f1", "precision_macro", "recall_macro",
            "f1_macro", "f1_weighted", "roc_auc", "log_loss",
        ])
        #expect(report.confusionMatrix != nil && report.classificationReport?.count == 2)
        #expect(MetricSet.standardClassification(classCount: 3, hasProbabilities: true).contains(.rocAUCOneVsRestMacro))
        #expect(!MetricSet.standardClassification(classCount: 3, hasProbabilities: true).contains(.rocAUC))

        let regression = try MetricSet(names: [], problemType: .regression)
            .evaluate(RegressionData(yTrue: [1, 2, 3], yPred: [1, 2, 4]))
        #expect(Set(regression.metrics.keys) == ["mse", "rmse", "mae", "r2", "mape", "explained_variance"])

        let clustering = try MetricSet(names: [], problemType: .clustering)
            .evaluate(ClusteringData(features: [0, 1, 10, 11], columnCount: 1, assignments: [0, 0, 1, 1]))
        #expect(Set(clustering.metrics.keys) == ["inertia", "silhouette", "davies_bouldin", "calinski_harabasz"])
        #expect(clustering.silhouetteSample?.sampled == false)
    }

    @Test func probabilityMetricWithoutProbabilitiesIsAClearError() throws {
        let d = try ClassificationData(yTrue: [0, 1], yPred: [0, 1], labels: ["n", "p"])
        let error = #expect(throws: MetricError.self) {
            try MetricSet(names: ["log_loss"], problemType: .classification).evaluate(d)
        }
        #expect(error?.code == .missingProbabilities)
        #expect(error?.metric == "log_loss")
    }

    @Test func evaluatingTheWrongKindOfDataThrows() throws {
        let set = try MetricSet(names: [], problemType: .regression)
        #expect(throws: MetricError.self) {
            try set.evaluate(ClassificationData(yTrue: [0], yPred: [0], labels: ["a"]))
        }
    }

    @Test func reportEncodesWithStableKeys() throws {
        let d = try ClassificationData(yTrue: [0, 1, 1], yPred: [0, 1, 0], labels: ["n", "p"])
        let report = try MetricSet(names: ["accuracy", "confusion_matrix", "classification_report"], problemType: .classification)
            .evaluate(d)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(json.contains("\"problem_type\":\"classification\""))
        #expect(json.contains("\"row_count\":3"))
        #expect(json.contains("\"confusion_matrix\":{\"labels\":[\"n\",\"p\"],\"matrix\":[[1,0],[1,1]]}"))
        #expect(json.contains("\"classification_report\":[{\"f1\":"))
        #expect(json.contains("\"metrics\":{\"accuracy\":0.66666666666666"))
        let decoded = try JSONDecoder().decode(MetricReport.self, from: Data(json.utf8))
        #expect(decoded == report)

        let clustering = try MetricSet(names: ["silhouette"], problemType: .clustering)
            .evaluate(ClusteringData(features: [0, 1, 10, 11], columnCount: 1, assignments: [0, 0, 1, 1]))
        let cjson = String(decoding: try encoder.encode(clustering), as: UTF8.self)
        #expect(cjson.contains("\"silhouette_sample\":{\"row_count\":4,\"sample_size\":4,\"sampled\":false,\"seed\":0}"))

        let undefined = try MetricSet(names: ["r2"], problemType: .regression).evaluate(RegressionData(yTrue: [1], yPred: [1]))
        let ujson = String(decoding: try encoder.encode(undefined), as: UTF8.self)
        #expect(ujson.contains("\"undefined\":{\"r2\":{\"code\":\"undefined_metric\",\"message\":"))
    }
}
