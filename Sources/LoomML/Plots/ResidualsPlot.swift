/// Residuals (actual − predicted) against predicted values, with the zero line.
public struct ResidualsPlot: DrawnPlot {
    public var yTrue: [Double]
    public var yPred: [Double]
    public var title: String

    public init(yTrue: [Double], yPred: [Double], title: String = "Residuals") {
        self.yTrue = yTrue
        self.yPred = yPred
        self.title = title
    }

    public func document() throws(PlotError) -> SVGDocument {
        try RegressionPlotInput.validate(yTrue: yTrue, yPred: yPred, plot: PlotKind.residuals.rawValue)
        let rows = Downsampling.scatterRows(count: yTrue.count)
        let xs = rows.map { yPred[$0] }
        let residuals = rows.map { yTrue[$0] - yPred[$0] }
        let largest = residuals.map(abs).max() ?? 1
        let bound = largest > 0 ? largest * 1.08 : 1
        var subtitle = "\(ValueFormat.count(yTrue.count)) rows"
        if let note = Downsampling.note(shown: rows.count, of: yTrue.count) { subtitle = note }
        var frame = PlotFrame(
            title: title, subtitle: subtitle, xLabel: "Predicted value", yLabel: "Residual (actual − predicted)",
            xDomain: LinearScale.paddedDomain(xs), yDomain: (-bound, bound))
        let points = frame.pixels(xs, residuals)
        frame.document.dots(points, color: PlotStyle.color(0), diameter: 5, opacity: 0.55, clip: PlotFrame.clipID)
        let zero = frame.y(0)
        frame.document.line(
            x1: frame.area.x, y1: zero, x2: frame.area.x + frame.area.width, y2: zero, stroke: PlotStyle.color(3),
            width: 1.8, dash: "6 4")
        frame.legend([
            LegendEntry(label: "Rows", color: PlotStyle.color(0), mark: .dot),
            LegendEntry(label: "Zero residual", color: PlotStyle.color(3), mark: .line(dash: "6 4")),
        ], avoiding: points)
        return frame.document
    }
}
