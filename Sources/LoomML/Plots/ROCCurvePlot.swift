/// ROC curves with their AUC: the positive class for two classes, one one-vs-rest curve
/// per class otherwise, and the chance diagonal.
public struct ROCCurvePlot: DrawnPlot {
    public var yTrue: [Int]
    public var labels: [String]
    public var probabilities: ClassProbabilities
    public var title: String

    public init(yTrue: [Int], labels: [String], probabilities: ClassProbabilities, title: String = "ROC curve") {
        self.yTrue = yTrue
        self.labels = labels
        self.probabilities = probabilities
        self.title = title
    }

    public func document() throws(PlotError) -> SVGDocument {
        let name = PlotKind.rocCurve.rawValue
        let classes = try CurveInput.validate(yTrue: yTrue, labels: labels, probabilities: probabilities, plot: name)
        var curves: [(label: String, curve: ROCCurve)] = []
        var skipped: [String] = []
        for c in classes {
            let positives = yTrue.map { $0 == c }
            do {
                curves.append((labels[c], try ClassificationMetrics.rocCurve(scores: probabilities.column(c), positives: positives)))
            } catch {
                skipped.append(labels[c])
            }
        }
        guard !curves.isEmpty else {
            throw PlotError(.undefinedPlot, plot: name, "a ROC curve needs rows of both the class and the rest")
        }
        var subtitle: String
        if labels.count == 2 {
            subtitle = "Positive class: \(labels[1]) · \(ValueFormat.count(yTrue.count)) rows"
        } else {
            subtitle = "One-vs-rest, one curve per class"
            if skipped.isEmpty {
                let macro = curves.map(\.curve.area).reduce(0, +) / Double(curves.count)
                subtitle += " · macro AUC = \(ValueFormat.fixed(macro, 3))"
            } else {
                subtitle += " · no true rows: \(skipped.joined(separator: ", "))"
            }
        }
        var frame = PlotFrame(
            title: title, subtitle: subtitle, xLabel: "False positive rate", yLabel: "True positive rate",
            xDomain: (0, 1), yDomain: (0, 1))
        frame.document.line(
            x1: frame.x(0), y1: frame.y(0), x2: frame.x(1), y2: frame.y(1), stroke: "#888888", width: 1.5, dash: "5 4")
        var legend: [LegendEntry] = []
        for (i, item) in curves.enumerated() {
            let keep = Downsampling.curveIndices(count: item.curve.falsePositiveRate.count)
            let points = frame.pixels(keep.map { item.curve.falsePositiveRate[$0] }, keep.map { item.curve.truePositiveRate[$0] })
            frame.document.polyline(points, stroke: PlotStyle.color(i), width: 2.2, dash: PlotStyle.dash(i), clip: PlotFrame.clipID)
            legend.append(LegendEntry(
                label: "\(PlotStyle.truncated(item.label, 30)) (AUC = \(ValueFormat.fixed(item.curve.area, 3)))", color: PlotStyle.color(i),
                mark: .line(dash: PlotStyle.dash(i))))
        }
        legend.append(LegendEntry(label: "Chance (AUC = 0.5)", color: "#888888", mark: .line(dash: "5 4")))
        frame.legend(legend, corner: .bottomRight)
        return frame.document
    }
}

/// Checks shared by the curve plots; returns the classes to draw (index 1 alone for two
/// classes, every class otherwise).
enum CurveInput {
    static func validate(
        yTrue: [Int], labels: [String], probabilities: ClassProbabilities, plot: String
    ) throws(PlotError) -> [Int] {
        guard !yTrue.isEmpty else { throw PlotError(.emptyInput, plot: plot, "no rows") }
        guard labels.count >= 2 else { throw PlotError(.invalidArgument, plot: plot, "a curve needs at least two classes") }
        guard probabilities.rowCount == yTrue.count, probabilities.classCount == labels.count else {
            throw PlotError(
                .lengthMismatch, plot: plot,
                "\(probabilities.rowCount) × \(probabilities.classCount) probabilities for \(yTrue.count) rows and \(labels.count) classes")
        }
        if let bad = yTrue.first(where: { $0 < 0 || $0 >= labels.count }) {
            throw PlotError(.invalidArgument, plot: plot, "class index \(bad) outside the \(labels.count) labels")
        }
        return labels.count == 2 ? [1] : Array(0..<labels.count)
    }
}
