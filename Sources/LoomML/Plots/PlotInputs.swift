/// Everything a visualize node may have to draw from; each plot kind takes what it needs
/// and says what is missing otherwise.
///
/// ```swift
/// let inputs = PlotInputs(classification: data, targetName: "species")
/// let svg = try inputs.svg(for: PlotKind(parsing: "roc_curve"))
/// ```
public struct PlotInputs: Sendable {
    public var classification: ClassificationData?
    public var regression: RegressionData?
    public var clustering: ClusteringData?
    /// Feature names and their importances (or coefficients), in the same order.
    public var featureNames: [String]?
    public var featureImportances: [Double]?
    /// The target column's name, for axis labels.
    public var targetName: String

    public init(
        classification: ClassificationData? = nil, regression: RegressionData? = nil,
        clustering: ClusteringData? = nil, featureNames: [String]? = nil, featureImportances: [Double]? = nil,
        targetName: String = "Target"
    ) {
        self.classification = classification
        self.regression = regression
        self.clustering = clustering
        self.featureNames = featureNames
        self.featureImportances = featureImportances
        self.targetName = targetName
    }

    /// The plot as a standalone SVG document.
    public func svg(for kind: PlotKind) throws(PlotError) -> String {
        try plot(kind).svg()
    }

    /// The plot as a PNG file's bytes, `width` × `height` pixels (see `SVGDocument.png`).
    public func png(for kind: PlotKind, width: Int? = nil, height: Int? = nil) throws(PlotError) -> [UInt8] {
        try plot(kind).png(width: width, height: height)
    }

    /// The plot of `kind` made from these inputs; throws when one it needs is missing.
    public func plot(_ kind: PlotKind) throws(PlotError) -> any DrawnPlot {
        switch kind {
        case .confusionMatrix:
            let data = try need(classification, kind, "classification results")
            return ConfusionMatrixPlot(matrix: ClassificationMetrics.confusionMatrix(data))
        case .rocCurve:
            let data = try need(classification, kind, "classification results")
            let probabilities = try need(data.probabilities, kind, "class probabilities")
            return ROCCurvePlot(yTrue: data.yTrue, labels: data.labels, probabilities: probabilities)
        case .precisionRecallCurve:
            let data = try need(classification, kind, "classification results")
            let probabilities = try need(data.probabilities, kind, "class probabilities")
            return PrecisionRecallCurvePlot(yTrue: data.yTrue, labels: data.labels, probabilities: probabilities)
        case .featureImportance:
            let names = try need(featureNames, kind, "feature names")
            let values = try need(featureImportances, kind, "feature importances")
            return FeatureImportancePlot(features: names, importances: values)
        case .residuals:
            let data = try need(regression, kind, "regression results")
            return ResidualsPlot(yTrue: data.yTrue, yPred: data.yPred)
        case .predictedVsActual:
            let data = try need(regression, kind, "regression results")
            return PredictedVsActualPlot(yTrue: data.yTrue, yPred: data.yPred)
        case .clusterScatter:
            let data = try need(clustering, kind, "cluster assignments")
            return ClusterScatterPlot(
                features: data.features, columnCount: data.columnCount, assignments: data.assignments,
                centroids: data.centroids)
        case .targetDistribution:
            if let data = classification {
                return TargetDistributionPlot(classes: data.yTrue, labels: data.labels, targetName: targetName)
            }
            let data = try need(regression, kind, "a classification or regression target")
            return TargetDistributionPlot(values: data.yTrue, targetName: targetName)
        }
    }

    private func need<T>(_ value: T?, _ kind: PlotKind, _ what: String) throws(PlotError) -> T {
        guard let value else {
            throw PlotError(.missingInput, plot: kind.rawValue, "\(kind.rawValue) needs \(what)")
        }
        return value
    }
}
