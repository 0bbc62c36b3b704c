/// Precision–recall curves (drawn as steps, as scikit-learn does) with the average
/// precision: the positive class for two classes, one one-vs-rest curve per class
/// otherwise. For two classes the chance level (the positive rate) is drawn too.
public struct PrecisionRecallCurvePlot: DrawnPlot {
    public var yTrue: [Int]
    public var labels: [String]
    public var probabilities: ClassProbabilities
    public var title: String

    public init(
        yTrue: [Int], labels: [String], probabilities: ClassProbabilities, title: String = "Precision–recall curve"
    ) {
        self.yTrue = yTrue
        self.labels = labels
        self.probabilities = probabilities
        self.title = title
    }

    public func document() throws(PlotError) -> SVGDocument {
        let name = PlotKind.precisionRecallCurve.rawValue
        let classes = try CurveInput.validate(yTrue: yTrue, labels: labels, probabilities: probabilities, plot: name)
        var curves: [(label: String, curve: PrecisionRecallCurve)] = []
        for c in classes {
            let positives = yTrue.map { $0 == c }
            if let curve = try? ClassificationMetrics.precisionRecallCurve(scores: probabilities.column(c), positives: positives) {
                curves.append((labels[c], curve))
            }
        }
        guard !curves.isEmpty else {
            throw PlotError(.undefinedPlot, plot: name, "a precision-recall curve needs rows of the positive class")
        }
        let subtitle = labels.count == 2
            ? "Positive class: \(labels[1]) · \(ValueFormat.count(yTrue.count)) rows"
            : "One-vs-rest, one curve per class"
        var frame = PlotFrame(
            title: title, subtitle: subtitle, xLabel: "Recall", yLabel: "Precision", xDomain: (0, 1), yDomain: (0, 1.02))
        var legend: [LegendEntry] = []
        for (i, item) in curves.enumerated() {
            let keep = Downsampling.curveIndices(count: item.curve.recall.count)
            let points = frame.pixels(keep.map { item.curve.recall[$0] }, keep.map { item.curve.precision[$0] })
            // Steps: from each point, move along recall first, then to the next precision.
            var d = "M\(SVGDocument.number(points[0].x)) \(SVGDocument.number(points[0].y))"
            for p in points.dropFirst() { d += "H\(SVGDocument.number(p.x))V\(SVGDocument.number(p.y))" }
            frame.document.path(d, stroke: PlotStyle.color(i), width: 2.2, dash: PlotStyle.dash(i), clip: PlotFrame.clipID)
            legend.append(LegendEntry(
                label: "\(PlotStyle.truncated(item.label, 30)) (AP = \(ValueFormat.fixed(item.curve.averagePrecision, 3)))",
                color: PlotStyle.color(i), mark: .line(dash: PlotStyle.dash(i))))
        }
        if labels.count == 2 {
            let rate = Double(yTrue.filter { $0 == 1 }.count) / Double(yTrue.count)
            frame.document.line(
                x1: frame.x(0), y1: frame.y(rate), x2: frame.x(1), y2: frame.y(rate), stroke: "#888888", width: 1.5, dash: "5 4")
            legend.append(LegendEntry(label: "Chance (AP = \(ValueFormat.fixed(rate, 3)))", color: "#888888", mark: .line(dash: "5 4")))
        }
        frame.legend(legend, corner: .bottomLeft)
        return frame.document
    }
}
