/// A plot that draws itself into an `SVGDocument`, and so can be had as SVG text or as a
/// PNG image of the same drawing.
public protocol DrawnPlot: Sendable {
    /// The drawing; throws when the plot's data cannot be drawn.
    func document() throws(PlotError) -> SVGDocument
}

extension DrawnPlot {
    /// The plot as a standalone SVG document.
    public func svg() throws(PlotError) -> String {
        try document().render()
    }

    /// The plot as a PNG file's bytes, `width` × `height` pixels (see `SVGDocument.png`).
    public func png(width: Int? = nil, height: Int? = nil) throws(PlotError) -> [UInt8] {
        try document().png(width: width, height: height)
    }
}
