/// The frame of an x–y chart: title and subtitle, plot area, grid, ticks, axis labels,
/// a clip rectangle for the data, and a legend.
struct PlotFrame {
    var document: SVGDocument
    let area: (x: Double, y: Double, width: Double, height: Double)
    let x: LinearScale
    let y: LinearScale
    static let clipID = "plot-area"

    init(
        title: String, subtitle: String?, xLabel: String, yLabel: String,
        xDomain: (Double, Double), yDomain: (Double, Double),
        width: Double = PlotStyle.width, height: Double = PlotStyle.height,
        categoricalX: Bool = false, bottomExtra: Double = 0
    ) {
        document = SVGDocument(width: width, height: height, title: title)
        let top = subtitle == nil ? 56.0 : 74.0
        area = (x: 84, y: top, width: width - 84 - 28, height: height - top - 68 - bottomExtra)
        x = LinearScale(domain: xDomain, range: (area.x, area.x + area.width))
        y = LinearScale(domain: yDomain, range: (area.y + area.height, area.y))
        Self.drawTitle(&document, title: title, subtitle: subtitle, width: width)
        drawAxes(xLabel: xLabel, yLabel: yLabel, xTicks: !categoricalX, labelOffset: 48 + bottomExtra)
        document.clipRect(id: Self.clipID, x: area.x, y: area.y, width: area.width, height: area.height)
    }

    static func drawTitle(_ document: inout SVGDocument, title: String, subtitle: String?, width: Double) {
        document.text(
            PlotStyle.truncated(title, 90), x: width / 2, y: 30, size: 18, anchor: .middle, weight: "600",
            fill: PlotStyle.text)
        if let subtitle {
            document.text(
                PlotStyle.truncated(subtitle, 120), x: width / 2, y: 52, size: 13, anchor: .middle,
                fill: PlotStyle.muted)
        }
    }

    private mutating func drawAxes(xLabel: String, yLabel: String, xTicks: Bool, labelOffset: Double) {
        let bottom = area.y + area.height
        let right = area.x + area.width
        for tick in xTicks ? x.ticks(target: 8) : [] {
            let px = x(tick.value)
            document.line(x1: px, y1: area.y, x2: px, y2: bottom, stroke: PlotStyle.grid)
            document.line(x1: px, y1: bottom, x2: px, y2: bottom + 5, stroke: PlotStyle.axis)
            document.text(tick.label, x: px, y: bottom + 20, size: 12, anchor: .middle, fill: PlotStyle.muted)
        }
        for tick in y.ticks(target: 6) {
            let py = y(tick.value)
            document.line(x1: area.x, y1: py, x2: right, y2: py, stroke: PlotStyle.grid)
            document.line(x1: area.x - 5, y1: py, x2: area.x, y2: py, stroke: PlotStyle.axis)
            document.text(
                tick.label, x: area.x - 9, y: py, size: 12, anchor: .end, fill: PlotStyle.muted,
                baseline: "middle")
        }
        document.rect(x: area.x, y: area.y, width: area.width, height: area.height, fill: "none", stroke: PlotStyle.axis)
        document.text(
            PlotStyle.truncated(xLabel, 90), x: area.x + area.width / 2, y: bottom + labelOffset, size: 14,
            anchor: .middle, fill: PlotStyle.text)
        document.text(
            PlotStyle.truncated(yLabel, 60), x: 22, y: area.y + area.height / 2, size: 14, anchor: .middle,
            fill: PlotStyle.text, rotate: -90)
    }

    /// Maps data points to pixels.
    func pixels(_ xs: [Double], _ ys: [Double]) -> [(x: Double, y: Double)] {
        zip(xs, ys).map { (x($0), y($1)) }
    }

    mutating func legend(_ entries: [LegendEntry], corner: Legend.Corner) {
        Legend.draw(entries, in: &document, area: area, corner: corner)
    }

    /// A legend in the corner that covers the fewest of `points` (pixels); ties go to
    /// the earlier corner in `preference`.
    mutating func legend(
        _ entries: [LegendEntry], avoiding points: [(x: Double, y: Double)],
        preference: [Legend.Corner] = [.topRight, .topLeft, .bottomRight, .bottomLeft]
    ) {
        var best = preference[0]
        var fewest = Int.max
        for corner in preference {
            let box = Legend.frame(entries, area: area, corner: corner)
            let covered = points.reduce(0) { n, p in
                n + (p.x >= box.x - 4 && p.x <= box.x + box.width + 4 && p.y >= box.y - 4 && p.y <= box.y + box.height + 4 ? 1 : 0)
            }
            if covered < fewest {
                fewest = covered
                best = corner
            }
        }
        legend(entries, corner: best)
    }
}

struct LegendEntry {
    enum Mark {
        case line(dash: String?)
        case dot
        case box
        case cross
    }

    var label: String
    var color: String
    var mark: Mark
}

enum Legend {
    enum Corner { case topLeft, topRight, bottomLeft, bottomRight }

    static let size = 12.0, rowHeight = 19.0, swatch = 22.0, pad = 9.0, labelLimit = 60

    /// Where the legend's box goes: left, top, width, height.
    static func frame(
        _ entries: [LegendEntry], area: (x: Double, y: Double, width: Double, height: Double), corner: Corner
    ) -> (x: Double, y: Double, width: Double, height: Double) {
        let textWidth = entries.map { PlotStyle.textWidth(PlotStyle.truncated($0.label, labelLimit), size: size) }.max() ?? 0
        let boxWidth = min(pad + swatch + 7 + textWidth + pad, area.width - 20)
        let boxHeight = pad * 2 + rowHeight * Double(entries.count) - 4
        switch corner {
        case .topLeft: return (area.x + 10, area.y + 10, boxWidth, boxHeight)
        case .topRight: return (area.x + area.width - 10 - boxWidth, area.y + 10, boxWidth, boxHeight)
        case .bottomLeft: return (area.x + 10, area.y + area.height - 10 - boxHeight, boxWidth, boxHeight)
        case .bottomRight:
            return (area.x + area.width - 10 - boxWidth, area.y + area.height - 10 - boxHeight, boxWidth, boxHeight)
        }
    }

    /// A boxed legend inside the plot area's `corner`.
    static func draw(
        _ entries: [LegendEntry], in document: inout SVGDocument,
        area: (x: Double, y: Double, width: Double, height: Double), corner: Corner
    ) {
        guard !entries.isEmpty else { return }
        let labels = entries.map { PlotStyle.truncated($0.label, labelLimit) }
        let (left, top, boxWidth, boxHeight) = frame(entries, area: area, corner: corner)
        document.rect(
            x: left, y: top, width: boxWidth, height: boxHeight, fill: "#ffffff", stroke: "#cccccc",
            opacity: 0.92)
        for (i, entry) in entries.enumerated() {
            let cy = top + pad + rowHeight * Double(i) + rowHeight / 2 - 2
            let sx = left + pad
            switch entry.mark {
            case .line(let dash):
                document.line(x1: sx, y1: cy, x2: sx + swatch, y2: cy, stroke: entry.color, width: 2.5, dash: dash)
            case .dot:
                document.dots([(sx + swatch / 2, cy)], color: entry.color, diameter: 8, opacity: 1)
            case .box:
                document.rect(x: sx + 3, y: cy - 6, width: swatch - 6, height: 12, fill: entry.color)
            case .cross:
                let (mx, s) = (sx + swatch / 2, 5.0)
                document.path(
                    "M\(SVGDocument.number(mx - s)) \(SVGDocument.number(cy - s))l\(SVGDocument.number(2 * s)) \(SVGDocument.number(2 * s))m0 \(SVGDocument.number(-2 * s))l\(SVGDocument.number(-2 * s)) \(SVGDocument.number(2 * s))",
                    stroke: entry.color, width: 2.5)
            }
            document.text(
                labels[i], x: sx + swatch + 7, y: cy, size: size, fill: PlotStyle.text, baseline: "middle")
        }
    }
}
