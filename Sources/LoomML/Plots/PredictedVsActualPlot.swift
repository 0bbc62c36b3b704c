/// Predicted against actual values on equal axes, with the y = x line of perfect
/// prediction and the R² in the legend.
public struct PredictedVsActualPlot: DrawnPlot {
    public var yTrue: [Double]
    public var yPred: [Double]
    public var title: String

    public init(yTrue: [Double], yPred: [Double], title: String = "Predicted vs actual") {
        self.yTrue = yTrue
        self.yPred = yPred
        self.title = title
    }

    public func document() throws(PlotError) -> SVGDocument {
        try RegressionPlotInput.validate(yTrue: yTrue, yPred: yPred, plot: PlotKind.predictedVsActual.rawValue)
        let rows = Downsampling.scatterRows(count: yTrue.count)
        let xs = rows.map { yTrue[$0] }
        let ys = rows.map { yPred[$0] }
        // One domain for both axes, so that y = x is the diagonal.
        let domain = LinearScale.paddedDomain(yTrue + yPred)
        var subtitle = "\(ValueFormat.count(yTrue.count)) rows"
        if let note = Downsampling.note(shown: rows.count, of: yTrue.count) { subtitle = note }
        var frame = PlotFrame(
            title: title, subtitle: subtitle, xLabel: "Actual value", yLabel: "Predicted value",
            xDomain: domain, yDomain: domain)
        let points = frame.pixels(xs, ys)
        frame.document.dots(points, color: PlotStyle.color(0), diameter: 5, opacity: 0.55, clip: PlotFrame.clipID)
        let (lo, hi) = (frame.x.domain.lo, frame.x.domain.hi)
        frame.document.line(
            x1: frame.x(lo), y1: frame.y(lo), x2: frame.x(hi), y2: frame.y(hi), stroke: PlotStyle.color(3), width: 1.8, dash: "6 4")
        var rowsLabel = "Rows"
        if let data = try? RegressionData(yTrue: yTrue, yPred: yPred), let r2 = try? RegressionMetrics.r2(data) {
            rowsLabel = "Rows (R² = \(ValueFormat.fixed(r2, 3)))"
        }
        frame.legend([
            LegendEntry(label: rowsLabel, color: PlotStyle.color(0), mark: .dot),
            LegendEntry(label: "y = x (perfect prediction)", color: PlotStyle.color(3), mark: .line(dash: "6 4")),
        ], avoiding: points, preference: [.topLeft, .bottomRight, .topRight, .bottomLeft])
        return frame.document
    }
}
