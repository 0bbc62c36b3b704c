import Foundation

/// The distribution of the target: a bar per class with its count, or a histogram of a
/// numeric target (Freedman–Diaconis bins, 5 to 60 of them).
public struct TargetDistributionPlot: DrawnPlot {
    enum Target: Sendable {
        case classes([Int], labels: [String])
        case values([Double])
    }

    let target: Target
    public var title: String
    public var targetName: String

    public init(classes: [Int], labels: [String], targetName: String = "Target", title: String = "Target distribution") {
        target = .classes(classes, labels: labels)
        self.targetName = targetName
        self.title = title
    }

    public init(values: [Double], targetName: String = "Target", title: String = "Target distribution") {
        target = .values(values)
        self.targetName = targetName
        self.title = title
    }

    public func document() throws(PlotError) -> SVGDocument {
        switch target {
        case .classes(let classes, let labels): try classBars(classes, labels)
        case .values(let values): try histogram(values)
        }
    }

    private func classBars(_ classes: [Int], _ labels: [String]) throws(PlotError) -> SVGDocument {
        let name = PlotKind.targetDistribution.rawValue
        guard !classes.isEmpty else { throw PlotError(.emptyInput, plot: name, "no rows") }
        guard !labels.isEmpty else { throw PlotError(.invalidArgument, plot: name, "no class labels") }
        var counts = [Int](repeating: 0, count: labels.count)
        for c in classes {
            guard c >= 0, c < labels.count else {
                throw PlotError(.invalidArgument, plot: name, "class index \(c) outside the \(labels.count) labels")
            }
            counts[c] += 1
        }
        let shownLabels = labels.map { PlotStyle.truncated($0, 20) }
        let labelWidth = shownLabels.map { PlotStyle.textWidth($0, size: 12) }.max() ?? 0
        let slot = (PlotStyle.width - 84 - 28) / Double(labels.count)
        let rotate = labelWidth > slot - 6
        let extra = rotate ? labelWidth * 0.72 : 0
        var frame = PlotFrame(
            title: title, subtitle: "\(ValueFormat.count(classes.count)) rows · \(labels.count) classes",
            xLabel: targetName, yLabel: "Rows", xDomain: (0, Double(labels.count)),
            yDomain: (0, Double(counts.max() ?? 1) * 1.1), height: PlotStyle.height + extra, categoricalX: true,
            bottomExtra: extra)
        let bottom = frame.area.y + frame.area.height
        for (i, count) in counts.enumerated() {
            let x0 = frame.x(Double(i) + 0.15), x1 = frame.x(Double(i) + 0.85)
            let top = frame.y(Double(count))
            frame.document.rect(
                x: x0, y: top, width: x1 - x0, height: bottom - top, fill: PlotStyle.color(0),
                tooltip: "\(labels[i]): \(count)")
            if slot >= 24 {
                frame.document.text(
                    ValueFormat.count(count), x: (x0 + x1) / 2, y: top - 6, size: 11, anchor: .middle, fill: PlotStyle.muted)
            }
            let cx = frame.x(Double(i) + 0.5)
            if rotate {
                frame.document.text(
                    shownLabels[i], x: cx, y: bottom + 12, size: 12, anchor: .end, fill: PlotStyle.text, rotate: -45,
                    baseline: "central")
            } else {
                frame.document.text(shownLabels[i], x: cx, y: bottom + 20, size: 12, anchor: .middle, fill: PlotStyle.text)
            }
        }
        return frame.document
    }

    private func histogram(_ values: [Double]) throws(PlotError) -> SVGDocument {
        let name = PlotKind.targetDistribution.rawValue
        guard !values.isEmpty else { throw PlotError(.emptyInput, plot: name, "no rows") }
        if let bad = values.first(where: { !$0.isFinite }) {
            throw PlotError(.nonFiniteValue, plot: name, "a target value is \(bad)")
        }
        let sorted = values.sorted()
        var lo = sorted[0], hi = sorted[sorted.count - 1]
        if hi == lo {
            lo -= 0.5
            hi += 0.5
        }
        let binCount = Self.binCount(sorted, lo: lo, hi: hi)
        let width = (hi - lo) / Double(binCount)
        var counts = [Int](repeating: 0, count: binCount)
        for v in values { counts[min(binCount - 1, max(0, Int((v - lo) / width)))] += 1 }
        let mean = values.reduce(0, +) / Double(values.count)
        let median = sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        var frame = PlotFrame(
            title: title,
            subtitle: "\(ValueFormat.count(values.count)) rows · mean \(ValueFormat.short(mean)) · median \(ValueFormat.short(median))",
            xLabel: targetName, yLabel: "Rows", xDomain: (lo, hi), yDomain: (0, Double(counts.max() ?? 1) * 1.1))
        let bottom = frame.area.y + frame.area.height
        for (i, count) in counts.enumerated() where count > 0 {
            let x0 = frame.x(lo + Double(i) * width), x1 = frame.x(lo + Double(i + 1) * width)
            let top = frame.y(Double(count))
            frame.document.rect(
                x: x0, y: top, width: x1 - x0, height: bottom - top, fill: PlotStyle.color(0), stroke: "#ffffff",
                strokeWidth: 0.8, tooltip: "\(lo + Double(i) * width) – \(lo + Double(i + 1) * width): \(count)")
        }
        let mx = frame.x(mean)
        frame.document.line(x1: mx, y1: frame.area.y, x2: mx, y2: bottom, stroke: PlotStyle.color(3), width: 1.8, dash: "6 4")
        frame.legend([
            LegendEntry(label: "Rows per bin (\(binCount) bins)", color: PlotStyle.color(0), mark: .box),
            LegendEntry(label: "Mean", color: PlotStyle.color(3), mark: .line(dash: "6 4")),
        ], corner: .topRight)
        return frame.document
    }

    /// Freedman–Diaconis, clamped to 5…60; Sturges when the quartiles coincide.
    static func binCount(_ sorted: [Double], lo: Double, hi: Double) -> Int {
        let n = sorted.count
        let q1 = sorted[n / 4], q3 = sorted[(3 * n) / 4]
        let iqr = q3 - q1
        var bins: Double
        if iqr > 0 {
            let h = 2 * iqr / cbrt(Double(n))
            bins = (hi - lo) / h
        } else {
            bins = log2(Double(n)) + 1
        }
        if !bins.isFinite { bins = 10 }
        return min(60, max(5, Int(bins.rounded(.up))))
    }
}
