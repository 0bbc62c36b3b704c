/// Horizontal bars of the `limit` (20) most important features by absolute value,
/// largest at the top, with each value printed beside its bar.
public struct FeatureImportancePlot: DrawnPlot {
    public var features: [String]
    public var importances: [Double]
    public var title: String
    public var limit: Int

    public init(features: [String], importances: [Double], title: String = "Feature importance", limit: Int = 20) {
        self.features = features
        self.importances = importances
        self.title = title
        self.limit = limit
    }

    public func document() throws(PlotError) -> SVGDocument {
        let name = PlotKind.featureImportance.rawValue
        guard !features.isEmpty else { throw PlotError(.emptyInput, plot: name, "no features") }
        guard features.count == importances.count else {
            throw PlotError(.lengthMismatch, plot: name, "\(features.count) features but \(importances.count) importances")
        }
        guard limit > 0 else { throw PlotError(.invalidArgument, plot: name, "the feature limit must be positive") }
        if let bad = importances.first(where: { !$0.isFinite }) {
            throw PlotError(.nonFiniteValue, plot: name, "an importance is \(bad)")
        }
        // Stable order: by |importance| descending, then by original position.
        let order = importances.indices.sorted {
            abs(importances[$0]) != abs(importances[$1]) ? abs(importances[$0]) > abs(importances[$1]) : $0 < $1
        }
        let shown = Array(order.prefix(limit))
        let names = shown.map { PlotStyle.truncated(features[$0], 32) }
        let values = shown.map { importances[$0] }
        let labelWidth = names.map { PlotStyle.textWidth($0, size: 12) }.max() ?? 0
        let left = max(90, labelWidth * 1.1 + 24)
        // Few features get taller bars, so that the chart is not a thin strip.
        let rowHeight = min(40, max(24, 240 / Double(shown.count)))
        let top = 74.0
        let plotHeight = rowHeight * Double(shown.count)
        let width = max(PlotStyle.width, left + 520)
        let height = top + plotHeight + 64
        var doc = SVGDocument(width: width, height: height, title: title)
        let subtitle = features.count > shown.count
            ? "Top \(shown.count) of \(features.count) features by absolute value"
            : "\(features.count) feature\(features.count == 1 ? "" : "s") by absolute value"
        PlotFrame.drawTitle(&doc, title: title, subtitle: subtitle, width: width)
        // 6 % of room beyond the longest bar, so its end and value label stay clear.
        let rawLo = min(0, values.min() ?? 0), rawHi = max(0, values.max() ?? 0)
        let span = rawHi - rawLo
        let lo = rawLo < 0 ? rawLo - span * 0.06 : 0, hi = rawHi > 0 ? rawHi + span * 0.06 : 0
        let right = width - 70
        // Room on the left for the value labels of negative bars.
        let x = LinearScale(domain: (lo, hi == lo ? lo + 1 : hi), range: (left + (rawLo < 0 ? 50 : 0), right))
        let bottom = top + plotHeight
        for tick in x.ticks(target: 6) {
            let px = x(tick.value)
            doc.line(x1: px, y1: top, x2: px, y2: bottom, stroke: PlotStyle.grid)
            doc.text(tick.label, x: px, y: bottom + 18, size: 12, anchor: .middle, fill: PlotStyle.muted)
        }
        let zero = x(0)
        let barHeight = min(rowHeight - 8, 22)
        for (i, value) in values.enumerated() {
            let y = top + Double(i) * rowHeight
            let start = min(zero, x(value)), end = max(zero, x(value))
            doc.rect(
                x: start, y: y + (rowHeight - barHeight) / 2, width: max(end - start, 1), height: barHeight,
                fill: value < 0 ? PlotStyle.color(3) : PlotStyle.color(0), tooltip: "\(features[shown[i]]): \(value)")
            doc.text(names[i], x: left - 8, y: y + rowHeight / 2, size: 12, anchor: .end, fill: PlotStyle.text, baseline: "central")
            let outside = value < 0 ? start - 4 : end + 4
            doc.text(
                ValueFormat.short(value), x: outside, y: y + rowHeight / 2, size: 11, anchor: value < 0 ? .end : .start,
                fill: PlotStyle.muted, baseline: "central")
        }
        doc.line(x1: zero, y1: top, x2: zero, y2: bottom, stroke: PlotStyle.axis)
        doc.text("Importance", x: (left + right) / 2, y: bottom + 46, size: 14, anchor: .middle, fill: PlotStyle.text)
        return doc
    }
}
