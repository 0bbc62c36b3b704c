import LoomColumnar
import Testing

@testable import LoomML

/// Larger data drawn from `SplitMix64` with the same arithmetic in Python, and the
/// values scikit-learn 1.9.1 gives on it, hard-coded: accumulation over hundreds of rows
/// still agrees to 1e-9.
@Suite struct MetricsCrossCheckTests {
    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }
    static func uniform(_ g: inout SplitMix64) -> Double { Double(g.next() >> 11) / Double(UInt64(1) << 53) }

    /// A class drawn by modulo rejection: the draw of the Python script that made this
    /// file's expected values (it replays the same SplitMix64 stream), kept here so the data
    /// stays the data those values were computed on.
    static func draw(_ g: inout SplitMix64, below bound: Int) -> Int {
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = g.next()
            if x < limit { return Int(x % b) }
        }
    }

    @Test func multiclassOf500Rows() throws {
        var g = SplitMix64(seed: 2024)
        var yTrue: [Int] = [], yPred: [Int] = [], values: [Double] = []
        for _ in 0..<500 {
            let y = Self.draw(&g, below: 5)
            let raw = (0..<5).map { c in Self.uniform(&g) + (c == y ? 0.8 : 0) }
            var total = 0.0
            for v in raw { total += v }
            let p = raw.map { $0 / total }
            yTrue.append(y)
            var best = 0
            for c in 1..<5 where p[c] > p[best] { best = c }  // numpy.argmax: the first maximum
            yPred.append(best)
            values += p
        }
        let d = try ClassificationData(
            yTrue: yTrue, yPred: yPred, labels: ["a", "b", "c", "d", "e"],
            probabilities: ClassProbabilities(values: values, classCount: 5))
        let report = try MetricSet(names: [], problemType: .classification).evaluate(d)
        let expected: [String: Double] = [
            "accuracy": 0.926, "balanced_accuracy": 0.9256556993319773, "precision_macro": 0.9255961230755938,
            "recall_macro": 0.9256556993319773, "f1_macro": 0.9255595612117352, "f1_weighted": 0.9259507748290358,
            "roc_auc_ovr_macro": 0.9859128790013779, "log_loss": 0.9424224864947303,
        ]
        #expect(Set(report.metrics.keys) == Set(expected.keys))
        for (name, value) in expected {
            #expect(Self.close(try #require(report.metrics[name]), value), "\(name)")
        }
        #expect(report.confusionMatrix?.matrix == [
            [104, 2, 2, 0, 1], [1, 84, 2, 2, 1], [1, 4, 95, 1, 3], [1, 2, 2, 91, 3], [4, 0, 2, 3, 89],
        ])
    }

    @Test func binaryOf800Rows() throws {
        var g = SplitMix64(seed: 7)
        var yTrue: [Int] = [], scores: [Double] = []
        for _ in 0..<800 {
            let y = Self.draw(&g, below: 2)
            yTrue.append(y)
            scores.append(min(1, Self.uniform(&g) * 0.7 + 0.3 * Double(y)))
        }
        let d = try ClassificationData(
            yTrue: yTrue, yPred: scores.map { $0 >= 0.5 ? 1 : 0 }, labels: ["0", "1"],
            probabilities: ClassProbabilities(values: scores.flatMap { [1 - $0, $0] }, classCount: 2))
        #expect(Self.close(try ClassificationMetrics.rocAUC(d), 0.8430684773909564))
        #expect(Self.close(try ClassificationMetrics.logLoss(d), 0.4789488219210988))
        #expect(Self.close(try ClassificationMetrics.f1(d, average: .binary), 0.7043363994743759))
        #expect(Self.close(try ClassificationMetrics.precision(d, average: .binary), 0.7262872628726287))
        #expect(Self.close(try ClassificationMetrics.recall(d, average: .binary), 0.6836734693877551))
        let pr = try ClassificationMetrics.precisionRecallCurve(scores: scores, positives: yTrue.map { $0 == 1 })
        #expect(Self.close(pr.averagePrecision, 0.8468872025686508))
    }

    @Test func regressionOf500Rows() throws {
        var g = SplitMix64(seed: 11)
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<500 {
            let y = Self.uniform(&g) * 10
            a.append(y)
            b.append(y + Self.uniform(&g) - 0.5)
        }
        let report = try MetricSet(names: [], problemType: .regression).evaluate(RegressionData(yTrue: a, yPred: b))
        let expected: [String: Double] = [
            "mse": 0.0776392496497304, "rmse": 0.2786382056533712, "mae": 0.23895988836680812,
            "r2": 0.9905339335018299, "mape": 0.144102050802839, "explained_variance": 0.9905357037023038,
        ]
        for (name, value) in expected {
            #expect(Self.close(try #require(report.metrics[name]), value), "\(name)")
        }
    }

    @Test func clusteringOf600Rows() throws {
        var g = SplitMix64(seed: 13)
        var x: [Double] = [], labels: [Int] = []
        for i in 0..<600 {
            let c = i % 4
            labels.append(c)
            for _ in 0..<6 { x.append(Double(c) * 1.5 + Self.uniform(&g)) }
        }
        let report = try MetricSet(names: ["silhouette", "davies_bouldin", "calinski_harabasz"], problemType: .clustering)
            .evaluate(ClusteringData(features: x, columnCount: 6, assignments: labels))
        #expect(Self.close(try #require(report.metrics["silhouette"]), 0.7320896421565339))
        #expect(Self.close(try #require(report.metrics["davies_bouldin"]), 0.3822628640250696))
        #expect(Self.close(try #require(report.metrics["calinski_harabasz"]), 6629.426402974008))
        #expect(report.silhouetteSample == SilhouetteSample(sampled: false, sampleSize: 600, rowCount: 600, seed: 0))
    }
}
