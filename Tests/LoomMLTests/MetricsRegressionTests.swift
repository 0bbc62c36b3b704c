import LoomColumnar
import Testing

@testable import LoomML

/// Expected values computed with scikit-learn 1.9.1 and hard-coded.
@Suite struct MetricsRegressionTests {
    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol }

    @Test func matchesScikitLearn() throws {
        let d = try RegressionData(yTrue: [3, -0.5, 2, 7, 0, 4.2], yPred: [2.5, 0, 2, 8, 0.3, 4])
        #expect(Self.close(RegressionMetrics.meanSquaredError(d), 0.27166666666666667))
        #expect(Self.close(RegressionMetrics.rootMeanSquaredError(d), 0.5212165257037297))
        #expect(Self.close(RegressionMetrics.meanAbsoluteError(d), 0.4166666666666667))
        #expect(Self.close(try RegressionMetrics.r2(d), 0.9579987116169207))
        #expect(Self.close(RegressionMetrics.explainedVariance(d), 0.9631951900365042))
        // y_true holds a 0: scikit-learn divides by eps, giving a huge but finite value.
        let mape = RegressionMetrics.meanAbsolutePercentageError(d)
        #expect(abs(mape - 225179981368525.0) / 225179981368525.0 < 1e-12)
    }

    @Test func mapeWithoutZeros() throws {
        let d = try RegressionData(yTrue: [3, -0.5, 2, 7, 1, 4.2], yPred: [2.5, 0, 2, 8, 0.3, 4])
        #expect(Self.close(RegressionMetrics.meanAbsolutePercentageError(d), 0.3428571428571428))
    }

    @Test func constantTruthFollowsForceFinite() throws {
        #expect(try RegressionMetrics.r2(RegressionData(yTrue: [2, 2, 2], yPred: [2, 2, 2])) == 1)
        #expect(try RegressionMetrics.r2(RegressionData(yTrue: [2, 2, 2], yPred: [2, 2, 3])) == 0)
        #expect(RegressionMetrics.explainedVariance(try RegressionData(yTrue: [2, 2, 2], yPred: [1, 1, 1])) == 1)
        #expect(RegressionMetrics.explainedVariance(try RegressionData(yTrue: [2, 2, 2], yPred: [1, 2, 3])) == 0)
    }

    @Test func handComputed() throws {
        let d = try RegressionData(yTrue: [1, 2, 3], yPred: [2, 2, 5])
        #expect(RegressionMetrics.meanSquaredError(d) == 5.0 / 3.0)
        #expect(RegressionMetrics.meanAbsoluteError(d) == 1)
        // SS_res = 5, SS_tot = 2.
        #expect(try RegressionMetrics.r2(d) == -1.5)
    }

    @Test func singleRowR2IsUndefinedInAReport() throws {
        let report = try MetricSet(names: [], problemType: .regression)
            .evaluate(RegressionData(yTrue: [1], yPred: [2]))
        #expect(report.undefined["r2"]?.code == .undefinedMetric)
        #expect(report.metrics["mse"] == 1)
    }

    @Test func badInputThrows() {
        #expect(throws: MetricError.self) { try RegressionData(yTrue: [], yPred: []) }
        #expect(throws: MetricError.self) { try RegressionData(yTrue: [1, 2], yPred: [1]) }
        #expect(throws: MetricError.self) { try RegressionData(yTrue: [1, .nan], yPred: [1, 2]) }
        #expect(throws: MetricError.self) { try RegressionData(yTrue: [1, 2], yPred: [1, .infinity]) }
    }
}
