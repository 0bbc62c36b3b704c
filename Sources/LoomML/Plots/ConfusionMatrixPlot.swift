/// A heatmap of a confusion matrix with the count in every cell: true classes down the
/// side, predicted classes along the bottom, a single-hue (colour-blind-safe) blue scale.
public struct ConfusionMatrixPlot: DrawnPlot {
    public var matrix: ConfusionMatrix
    public var title: String

    public init(matrix: ConfusionMatrix, title: String = "Confusion matrix") {
        self.matrix = matrix
        self.title = title
    }

    public func document() throws(PlotError) -> SVGDocument {
        let name = PlotKind.confusionMatrix.rawValue
        let k = matrix.labels.count
        guard k > 0 else { throw PlotError(.emptyInput, plot: name, "the confusion matrix has no classes") }
        guard matrix.matrix.count == k, matrix.matrix.allSatisfy({ $0.count == k }) else {
            throw PlotError(.lengthMismatch, plot: name, "the confusion matrix is not \(k) × \(k)")
        }
        guard matrix.matrix.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw PlotError(.invalidArgument, plot: name, "a confusion matrix count is negative")
        }
        let labels = matrix.labels.map { PlotStyle.truncated($0, 22) }
        let tickSize = k > 20 ? 10.0 : 12.0
        let labelWidth = labels.map { PlotStyle.textWidth($0, size: tickSize) }.max() ?? 0
        let left = 60 + labelWidth + 12
        let colourBar = 70.0
        let top = 70.0
        let availableWidth = 760 - left - colourBar
        let side = min(max(availableWidth, 240), 560)
        // Predicted labels wider than their column are rotated; the bottom margin grows to fit.
        let rotate = labelWidth > side / Double(k) - 6
        let bottom = 60 + (rotate ? labelWidth * 0.72 + 10 : 22)
        let width = left + side + colourBar + 20
        let height = top + side + bottom
        var doc = SVGDocument(width: width, height: height, title: title)
        let total = matrix.matrix.reduce(0) { $0 + $1.reduce(0, +) }
        let correct = (0..<k).reduce(0) { $0 + matrix.matrix[$1][$1] }
        PlotFrame.drawTitle(
            &doc, title: title,
            subtitle: "\(ValueFormat.count(total)) rows · \(ValueFormat.count(correct)) on the diagonal",
            width: width)

        let cell = side / Double(k)
        let largest = max(1, matrix.matrix.flatMap { $0 }.max() ?? 1)
        let countSize = min(16, max(7, cell * 0.3))
        for r in 0..<k {
            for c in 0..<k {
                let count = matrix.matrix[r][c]
                let t = Double(count) / Double(largest)
                let x = left + Double(c) * cell, y = top + Double(r) * cell
                doc.rect(
                    x: x, y: y, width: cell, height: cell, fill: Self.blue(t), stroke: "#ffffff",
                    strokeWidth: cell > 12 ? 1 : 0,
                    tooltip: "true \(matrix.labels[r]), predicted \(matrix.labels[c]): \(count)")
                if cell >= 14 {
                    doc.text(
                        ValueFormat.count(count), x: x + cell / 2, y: y + cell / 2, size: countSize, anchor: .middle,
                        weight: r == c ? "600" : nil, fill: t > 0.5 ? "#ffffff" : PlotStyle.text, baseline: "central")
                }
            }
        }
        doc.rect(x: left, y: top, width: side, height: side, fill: "none", stroke: PlotStyle.axis)
        for i in 0..<k {
            let centre = Double(i) * cell + cell / 2
            doc.text(
                labels[i], x: left - 8, y: top + centre, size: tickSize, anchor: .end, fill: PlotStyle.text,
                baseline: "central")
            if rotate {
                doc.text(
                    labels[i], x: left + centre, y: top + side + 12, size: tickSize, anchor: .end,
                    fill: PlotStyle.text, rotate: -45, baseline: "central")
            } else {
                doc.text(labels[i], x: left + centre, y: top + side + 20, size: tickSize, anchor: .middle, fill: PlotStyle.text)
            }
        }
        doc.text("Predicted label", x: left + side / 2, y: height - 18, size: 14, anchor: .middle, fill: PlotStyle.text)
        doc.text("True label", x: 24, y: top + side / 2, size: 14, anchor: .middle, fill: PlotStyle.text, rotate: -90)

        // Colour bar: 0 at the bottom, the largest count at the top.
        let barX = left + side + 24, barWidth = 14.0
        doc.verticalGradient(id: "cm-scale", colors: [Self.blue(0), Self.blue(0.5), Self.blue(1)])
        doc.rect(x: barX, y: top, width: barWidth, height: side, fill: "url(#cm-scale)", stroke: "#999999")
        doc.text(ValueFormat.count(largest), x: barX + barWidth + 5, y: top + 5, size: 11, fill: PlotStyle.muted, baseline: "middle")
        doc.text("0", x: barX + barWidth + 5, y: top + side - 5, size: 11, fill: PlotStyle.muted, baseline: "middle")
        return doc
    }

    /// White to dark blue (ColorBrewer "Blues" ends), `t` in [0, 1].
    static func blue(_ t: Double) -> String {
        let from = (247.0, 251.0, 255.0), to = (8.0, 48.0, 107.0)
        let u = min(max(t, 0), 1)
        func channel(_ a: Double, _ b: Double) -> String {
            let v = Int((a + (b - a) * u).rounded())
            let hex = String(v, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }
        return "#" + channel(from.0, to.0) + channel(from.1, to.1) + channel(from.2, to.2)
    }
}
