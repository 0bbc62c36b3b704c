/// Rows projected on their first two principal components, coloured by cluster, with
/// the centroids (when given) projected the same way.
public struct ClusterScatterPlot: DrawnPlot {
    public var features: [Double]
    public var columnCount: Int
    public var assignments: [Int]
    public var centroids: [Double]?
    public var title: String

    public init(
        features: [Double], columnCount: Int, assignments: [Int], centroids: [Double]? = nil,
        title: String = "Clusters (PCA projection)"
    ) {
        self.features = features
        self.columnCount = columnCount
        self.assignments = assignments
        self.centroids = centroids
        self.title = title
    }

    public func document() throws(PlotError) -> SVGDocument {
        let name = PlotKind.clusterScatter.rawValue
        guard columnCount > 0 else { throw PlotError(.invalidArgument, plot: name, "column count must be positive") }
        guard !assignments.isEmpty else { throw PlotError(.emptyInput, plot: name, "no rows") }
        guard features.count == assignments.count * columnCount else {
            throw PlotError(
                .lengthMismatch, plot: name,
                "\(features.count) feature values for \(assignments.count) rows of \(columnCount) columns")
        }
        if let centroids, centroids.isEmpty || centroids.count % columnCount != 0 {
            throw PlotError(.lengthMismatch, plot: name, "\(centroids.count) centroid values for \(columnCount) columns")
        }
        let rows = Downsampling.scatterRows(count: assignments.count)
        let projection: PCAProjection
        do {
            projection = try PCA.project(features: features, columnCount: columnCount, rows: rows)
        } catch {
            throw PlotError(error.code, plot: name, error.message)
        }
        let xs = stride(from: 0, to: projection.points.count, by: 2).map { projection.points[$0] }
        let ys = stride(from: 1, to: projection.points.count, by: 2).map { projection.points[$0] }
        var centroidPoints: [(Double, Double)] = []
        if let centroids {
            for c in 0..<(centroids.count / columnCount) {
                var p = (0.0, 0.0)
                for j in 0..<columnCount {
                    let v = centroids[c * columnCount + j] - projection.mean[j]
                    p.0 += v * projection.components[0][j]
                    p.1 += v * projection.components[1][j]
                }
                centroidPoints.append(p)
            }
        }
        let ids = Array(Set(assignments)).sorted()
        var sizes: [Int: Int] = [:]
        for a in assignments { sizes[a, default: 0] += 1 }
        var subtitle = "\(ValueFormat.count(assignments.count)) rows · \(ids.count) cluster\(ids.count == 1 ? "" : "s")"
        if let note = Downsampling.note(shown: rows.count, of: assignments.count) { subtitle += " · " + note }
        let ratio = projection.explainedVarianceRatio
        var frame = PlotFrame(
            title: title, subtitle: subtitle,
            xLabel: "PC1 (\(ValueFormat.fixed(ratio[0] * 100, 1))% of variance)",
            yLabel: "PC2 (\(ValueFormat.fixed(ratio[1] * 100, 1))% of variance)",
            xDomain: LinearScale.paddedDomain(xs + centroidPoints.map(\.0)),
            yDomain: LinearScale.paddedDomain(ys + centroidPoints.map(\.1)))
        var legend: [LegendEntry] = []
        var drawn: [(x: Double, y: Double)] = []
        let legendLimit = 12
        for (i, id) in ids.enumerated() {
            let members = rows.indices.filter { assignments[rows[$0]] == id }
            let points = frame.pixels(members.map { xs[$0] }, members.map { ys[$0] })
            drawn += points
            frame.document.dots(points, color: PlotStyle.color(i), diameter: 5, opacity: 0.65, clip: PlotFrame.clipID)
            if i < legendLimit {
                legend.append(LegendEntry(
                    label: "Cluster \(id) (\(ValueFormat.count(sizes[id] ?? 0)))", color: PlotStyle.color(i), mark: .dot))
            }
        }
        if ids.count > legendLimit {
            legend.append(LegendEntry(label: "… \(ids.count - legendLimit) more clusters", color: "#ffffff", mark: .dot))
        }
        if !centroidPoints.isEmpty {
            for p in centroidPoints {
                let (px, py) = (frame.x(p.0), frame.y(p.1))
                let d = "M\(SVGDocument.number(px - 6)) \(SVGDocument.number(py - 6))L\(SVGDocument.number(px + 6)) \(SVGDocument.number(py + 6))M\(SVGDocument.number(px - 6)) \(SVGDocument.number(py + 6))L\(SVGDocument.number(px + 6)) \(SVGDocument.number(py - 6))"
                frame.document.path(d, stroke: "#ffffff", width: 5, clip: PlotFrame.clipID)
                frame.document.path(d, stroke: "#000000", width: 2.5, clip: PlotFrame.clipID)
            }
            legend.append(LegendEntry(label: "Centroid", color: "#000000", mark: .cross))
        }
        frame.legend(legend, avoiding: drawn)
        return frame.document
    }
}
