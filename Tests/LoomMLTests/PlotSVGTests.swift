import Foundation
import Testing

@testable import LoomML

@Suite struct PlotSVGTests {
    static let irisLabels = ["setosa", "versicolor", "virginica"]

    /// Every plot kind, on ordinary data, in the order of `PlotKind.allCases`.
    static func plots() throws -> [(PlotKind, any DrawnPlot)] {
        let binary = PlotFixtures.classifier(n: 400, k: 2, seed: 1)
        let multi = PlotFixtures.classifier(n: 450, k: 3, seed: 2)
        let digits = PlotFixtures.classifier(n: 900, k: 10, seed: 3)
        let reg = PlotFixtures.regression(n: 600, seed: 4)
        let blobs = PlotFixtures.blobs(n: 900, k: 4, d: 5, seed: 5)
        let digitsData = try ClassificationData(
            yTrue: digits.yTrue, yPred: digits.yPred, labels: (0..<10).map(String.init))
        var rng = SplitMix64(seed: 6)
        let featureNames = (0..<30).map { "feature_\($0)_" + String(repeating: "x", count: $0 % 7) }
        let importances = (0..<30).map { _ in PlotFixtures.uniform(&rng) * 0.2 }
        return [
            (.confusionMatrix, ConfusionMatrixPlot(matrix: ClassificationMetrics.confusionMatrix(digitsData))),
            (.rocCurve, ROCCurvePlot(yTrue: multi.yTrue, labels: irisLabels, probabilities: multi.probabilities)),
            (.precisionRecallCurve, PrecisionRecallCurvePlot(
                yTrue: binary.yTrue, labels: ["benign", "malignant"], probabilities: binary.probabilities)),
            (.featureImportance, FeatureImportancePlot(features: featureNames, importances: importances)),
            (.residuals, ResidualsPlot(yTrue: reg.yTrue, yPred: reg.yPred)),
            (.predictedVsActual, PredictedVsActualPlot(yTrue: reg.yTrue, yPred: reg.yPred)),
            (.clusterScatter, ClusterScatterPlot(
                features: blobs.features, columnCount: 5, assignments: blobs.assignments, centroids: blobs.centroids)),
            (.targetDistribution, TargetDistributionPlot(values: reg.yTrue, targetName: "Disease progression")),
        ]
    }

    /// The gallery as SVG documents.
    static func gallery() throws -> [(PlotKind, String)] {
        try plots().map { ($0, try $1.svg()) }
    }

    /// Also writes the gallery to $LOOM_PLOT_DIR when it is set, to look at in a browser.
    @Test func everyPlotIsAStandaloneWellFormedDocument() throws {
        let plots = try Self.gallery()
        #expect(plots.map(\.0) == PlotKind.allCases)
        let directory = ProcessInfo.processInfo.environment["LOOM_PLOT_DIR"]
        for (kind, svg) in plots {
            let parsed = try #require(ParsedSVG.parse(svg), "\(kind.rawValue) is not well-formed XML")
            #expect(parsed.elements.first == "svg")
            #expect(parsed.rootAttributes["xmlns"] == "http://www.w3.org/2000/svg")
            for key in ["width", "height", "viewBox", "font-family"] {
                #expect(parsed.rootAttributes[key] != nil, "\(kind.rawValue) lacks \(key)")
            }
            #expect(parsed.rootAttributes["font-family"]?.hasSuffix("sans-serif") == true)
            #expect(parsed.title?.isEmpty == false)
            #expect(!svg.contains("href"), "\(kind.rawValue) refers to something")
            #expect(!svg.replacingOccurrences(of: "url(#", with: "").contains("url("))
            #expect(!svg.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
            #expect(!svg.contains("NaN") && !svg.contains("inf"))
            if let directory {
                try svg.write(toFile: directory + "/" + kind.rawValue + ".svg", atomically: true, encoding: .utf8)
            }
        }
    }

    @Test func confusionMatrixShowsCountsLabelsAndEscapesText() throws {
        let labels = ["<cat>", "dogs & wolves", "\"fish\""]
        let matrix = ConfusionMatrix(labels: labels, matrix: [[5, 1, 0], [2, 7, 0], [0, 0, 3]])
        let svg = try ConfusionMatrixPlot(matrix: matrix, title: "Pets <test> & more").svg()
        #expect(svg.contains("&lt;cat&gt;") && svg.contains("dogs &amp; wolves"))
        let parsed = try #require(ParsedSVG.parse(svg))
        #expect(parsed.title == "Pets <test> & more")
        for label in labels { #expect(parsed.texts.filter { $0 == label }.count == 2, "\(label)") }
        for count in ["5", "1", "2", "7", "3"] { #expect(parsed.texts.contains(count)) }
        #expect(parsed.texts.contains("Predicted label") && parsed.texts.contains("True label"))
        #expect(parsed.texts.contains("18 rows · 15 on the diagonal"))
    }

    @Test func binaryROCCurveShowsItsAUC() throws {
        let yTrue = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0]
        let scores = [0.1, 0.8, 0.8, 0.35, 0.6, 0.6, 0.9, 0.3, 0.2, 0.8, 0.55, 0.05]
        let probabilities = try ClassProbabilities(values: scores.flatMap { [1 - $0, $0] }, classCount: 2)
        let svg = try ROCCurvePlot(yTrue: yTrue, labels: ["no", "yes"], probabilities: probabilities).svg()
        let parsed = try #require(ParsedSVG.parse(svg))
        #expect(parsed.texts.contains("yes (AUC = 0.792)"))  // scikit-learn: 0.7916666666666667
        #expect(parsed.texts.contains("Chance (AUC = 0.5)"))
        #expect(parsed.texts.contains("False positive rate") && parsed.texts.contains("True positive rate"))
        #expect(parsed.texts.contains("0.2") && parsed.texts.contains("1.0"))
        let pr = try #require(ParsedSVG.parse(
            try PrecisionRecallCurvePlot(yTrue: yTrue, labels: ["no", "yes"], probabilities: probabilities).svg()))
        #expect(pr.texts.contains("yes (AP = 0.758)"))  // scikit-learn: 0.7579365079365078
        #expect(pr.texts.contains("Recall") && pr.texts.contains("Precision"))
    }

    @Test func multiclassROCHasOneCurvePerClass() throws {
        let multi = PlotFixtures.classifier(n: 300, k: 3, seed: 9)
        let svg = try ROCCurvePlot(yTrue: multi.yTrue, labels: Self.irisLabels, probabilities: multi.probabilities).svg()
        let parsed = try #require(ParsedSVG.parse(svg))
        let data = try ClassificationData(
            yTrue: multi.yTrue, yPred: multi.yPred, labels: Self.irisLabels, probabilities: multi.probabilities)
        for (c, label) in Self.irisLabels.enumerated() {
            let auc = try ClassificationMetrics.binaryAUC(
                scores: multi.probabilities.column(c), positives: multi.yTrue.map { $0 == c }, metric: "roc_auc")
            #expect(parsed.texts.contains("\(label) (AUC = \(String(format: "%.3f", auc)))"))
        }
        let macro = try ClassificationMetrics.rocAUCOneVsRestMacro(data)
        #expect(parsed.texts.contains { $0.contains("macro AUC = \(String(format: "%.3f", macro))") })
        // Three class curves and nothing else drawn as a curve path.
        #expect(parsed.attributes.filter { $0["clip-path"] != nil && $0["d"]?.contains("L") == true }.count == 3)
    }

    @Test func regressionPlotsHaveTheirReferenceLines() throws {
        let reg = PlotFixtures.regression(n: 200, seed: 11)
        let scatter = try #require(ParsedSVG.parse(try PredictedVsActualPlot(yTrue: reg.yTrue, yPred: reg.yPred).svg()))
        #expect(scatter.texts.contains("y = x (perfect prediction)"))
        #expect(scatter.texts.contains("Actual value") && scatter.texts.contains("Predicted value"))
        #expect(scatter.dotCount == 200 + 1)  // the rows and the legend's dot
        let r2 = try RegressionMetrics.r2(RegressionData(yTrue: reg.yTrue, yPred: reg.yPred))
        #expect(scatter.texts.contains("Rows (R² = \(String(format: "%.3f", r2)))"))
        let residuals = try #require(ParsedSVG.parse(try ResidualsPlot(yTrue: reg.yTrue, yPred: reg.yPred).svg()))
        #expect(residuals.texts.contains("Residual (actual − predicted)") && residuals.texts.contains("Zero residual"))
    }

    @Test func featureImportanceShowsTheTopTwenty() throws {
        let names = (0..<25).map { "f\($0)" }
        let values = (0..<25).map { Double($0) / 100 }
        let parsed = try #require(ParsedSVG.parse(try FeatureImportancePlot(features: names, importances: values).svg()))
        #expect(parsed.texts.contains("f24") && parsed.texts.contains("f5"))
        #expect(!parsed.texts.contains("f4") && !parsed.texts.contains("f0"))
        #expect(parsed.texts.contains("Top 20 of 25 features by absolute value"))
    }

    @Test func targetDistributionOfClassesCountsEachClass() throws {
        let svg = try TargetDistributionPlot(classes: [0, 0, 1, 2, 2, 2], labels: ["a<b", "c", "d"], targetName: "species").svg()
        let parsed = try #require(ParsedSVG.parse(svg))
        #expect(parsed.texts.contains("a<b") && parsed.texts.contains("species"))
        #expect(parsed.texts.contains("6 rows · 3 classes"))
        #expect(parsed.texts.contains("3") && parsed.texts.contains("2"))
    }

    @Test func clusterScatterLabelsClustersAndVariance() throws {
        let blobs = PlotFixtures.blobs(n: 300, k: 3, d: 4, seed: 12)
        let svg = try ClusterScatterPlot(features: blobs.features, columnCount: 4, assignments: blobs.assignments).svg()
        let parsed = try #require(ParsedSVG.parse(svg))
        for id in 0..<3 { #expect(parsed.texts.contains { $0.hasPrefix("Cluster \(id) (") }) }
        #expect(parsed.texts.contains { $0.hasPrefix("PC1 (") && $0.hasSuffix("% of variance)") })
        #expect(parsed.dotCount == 300 + 3)
    }

    /// 100,000 rows still make a small document: curves keep ≤ 2,000 points, scatters a
    /// seeded sample of 5,000 rows.
    @Test func largeInputsStaySmall() throws {
        let n = 100_000
        let binary = PlotFixtures.classifier(n: n, k: 2, seed: 21)
        let reg = PlotFixtures.regression(n: n, seed: 22)
        let blobs = PlotFixtures.blobs(n: n, k: 3, d: 2, seed: 23)
        let roc = try ROCCurvePlot(yTrue: binary.yTrue, labels: ["a", "b"], probabilities: binary.probabilities).svg()
        let pr = try PrecisionRecallCurvePlot(yTrue: binary.yTrue, labels: ["a", "b"], probabilities: binary.probabilities).svg()
        let scatter = try PredictedVsActualPlot(yTrue: reg.yTrue, yPred: reg.yPred).svg()
        let residuals = try ResidualsPlot(yTrue: reg.yTrue, yPred: reg.yPred).svg()
        let clusters = try ClusterScatterPlot(features: blobs.features, columnCount: 2, assignments: blobs.assignments).svg()
        let histogram = try TargetDistributionPlot(values: reg.yTrue).svg()
        for svg in [roc, pr] { #expect(svg.utf8.count < 100_000) }
        for svg in [scatter, residuals, clusters] {
            #expect(svg.utf8.count < 120_000)
            let parsed = try #require(ParsedSVG.parse(svg))
            #expect(parsed.dotCount <= Downsampling.scatterLimit + 4)
            #expect(parsed.texts.contains { $0.contains("5,000 of 100,000 points shown") })
        }
        #expect(histogram.utf8.count < 40_000)
        // The sample is seeded: the same input draws the same document.
        #expect(try PredictedVsActualPlot(yTrue: reg.yTrue, yPred: reg.yPred).svg() == scatter)
    }

    @Test func badInputIsAnErrorNotACrash() throws {
        let p = try ClassProbabilities(values: [0.5, 0.5], classCount: 2)
        #expect(throws: PlotError.self) { try ROCCurvePlot(yTrue: [], labels: ["a", "b"], probabilities: p).svg() }
        #expect(throws: PlotError.self) { try ROCCurvePlot(yTrue: [0, 1], labels: ["a", "b"], probabilities: p).svg() }
        #expect(throws: PlotError.self) { try ROCCurvePlot(yTrue: [5], labels: ["a", "b"], probabilities: p).svg() }
        let oneClass = #expect(throws: PlotError.self) { try ROCCurvePlot(yTrue: [1], labels: ["a", "b"], probabilities: p).svg() }
        #expect(oneClass?.code == .undefinedPlot)
        #expect(throws: PlotError.self) { try ConfusionMatrixPlot(matrix: ConfusionMatrix(labels: ["a"], matrix: [[1, 2]])).svg() }
        #expect(throws: PlotError.self) { try ConfusionMatrixPlot(matrix: ConfusionMatrix(labels: [], matrix: [])).svg() }
        #expect(throws: PlotError.self) { try ResidualsPlot(yTrue: [1, 2], yPred: [1]).svg() }
        #expect(throws: PlotError.self) { try PredictedVsActualPlot(yTrue: [.nan], yPred: [1]).svg() }
        #expect(throws: PlotError.self) { try FeatureImportancePlot(features: ["a"], importances: []).svg() }
        #expect(throws: PlotError.self) { try TargetDistributionPlot(classes: [3], labels: ["a"]).svg() }
        #expect(throws: PlotError.self) { try TargetDistributionPlot(values: []).svg() }
        #expect(throws: PlotError.self) { try ClusterScatterPlot(features: [1, 2, 3], columnCount: 2, assignments: [0, 1]).svg() }
        #expect(throws: PlotError.self) { try ClusterScatterPlot(features: [], columnCount: 0, assignments: []).svg() }
    }

    @Test func degenerateDataStillDraws() throws {
        // Constant values, a single row, a single class.
        #expect(ParsedSVG.parse(try PredictedVsActualPlot(yTrue: [3], yPred: [3]).svg()) != nil)
        #expect(ParsedSVG.parse(try ResidualsPlot(yTrue: [1, 1, 1], yPred: [1, 1, 1]).svg()) != nil)
        #expect(ParsedSVG.parse(try TargetDistributionPlot(values: [7, 7, 7]).svg()) != nil)
        #expect(ParsedSVG.parse(try ClusterScatterPlot(features: [1, 1, 1], columnCount: 1, assignments: [0, 0, 0]).svg()) != nil)
        #expect(ParsedSVG.parse(try FeatureImportancePlot(features: ["a", "b"], importances: [0, 0]).svg()) != nil)
        #expect(ParsedSVG.parse(try FeatureImportancePlot(features: ["a", "b"], importances: [-0.5, 0.2]).svg()) != nil)
    }

    @Test func plotNamesParseWithAStableErrorCode() throws {
        #expect(try PlotKind(parsing: " ROC_curve ") == .rocCurve)
        let error = #expect(throws: PlotError.self) { try PlotKind(parsing: "pie_chart") }
        #expect(error?.code.rawValue == "unknown_plot")
        #expect(error?.plot == "pie_chart")
    }
}

@Suite struct PlotInputsTests {
    @Test func everyKindRendersFromItsInputsAndNamesWhatIsMissing() throws {
        let c = PlotFixtures.classifier(n: 120, k: 3, seed: 50)
        let classification = try ClassificationData(
            yTrue: c.yTrue, yPred: c.yPred, labels: ["a", "b", "c"], probabilities: c.probabilities)
        let r = PlotFixtures.regression(n: 80, seed: 51)
        let b = PlotFixtures.blobs(n: 90, k: 3, d: 3, seed: 52)
        let full = PlotInputs(
            classification: classification, regression: try RegressionData(yTrue: r.yTrue, yPred: r.yPred),
            clustering: try ClusteringData(features: b.features, columnCount: 3, assignments: b.assignments),
            featureNames: ["x", "y"], featureImportances: [0.7, 0.3], targetName: "species")
        for kind in PlotKind.allCases {
            #expect(ParsedSVG.parse(try full.svg(for: kind)) != nil, "\(kind.rawValue)")
        }
        let withoutProbabilities = PlotInputs(
            classification: try ClassificationData(yTrue: c.yTrue, yPred: c.yPred, labels: ["a", "b", "c"]))
        let error = #expect(throws: PlotError.self) { try withoutProbabilities.svg(for: .rocCurve) }
        #expect(error?.code == .missingInput && error?.plot == "roc_curve")
        #expect(error?.message.contains("class probabilities") == true)
        #expect(throws: PlotError.self) { try PlotInputs().svg(for: .clusterScatter) }
        #expect(throws: PlotError.self) { try PlotInputs().svg(for: .targetDistribution) }
    }
}
