/// One thing a plot draws, in the document's units (pixels at scale 1). `SVGDocument`
/// keeps them in drawing order; `svg` is the element's SVG text, and `PlotRasterizer`
/// paints the same elements into a PNG.
enum PlotElement: Sendable {
    case rect(PlotRect, fill: String, stroke: String?, strokeWidth: Double, opacity: Double?, tooltip: String?)
    case line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double, dash: String?)
    /// An unfilled path with round joins (SVG path data).
    case path(String, stroke: String, width: Double, dash: String?, clip: String?)
    /// Round dots of one colour, painted as one shape: overlapping dots do not darken.
    case dots([PlotPoint], color: String, diameter: Double, opacity: Double, clip: String?)
    case text(PlotText)

    var svg: String {
        let number = SVGDocument.number
        switch self {
        case .rect(let r, let fill, let stroke, let strokeWidth, let opacity, let tooltip):
            var s = "<rect x=\"\(number(r.x))\" y=\"\(number(r.y))\" width=\"\(number(r.width))\" height=\"\(number(r.height))\" fill=\"\(fill)\""
            if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"\(number(strokeWidth))\"" }
            if let opacity { s += " fill-opacity=\"\(opacity)\"" }
            if let tooltip { return s + "><title>\(SVGDocument.escape(tooltip))</title></rect>" }
            return s + "/>"
        case .line(let x1, let y1, let x2, let y2, let stroke, let width, let dash):
            var s = "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(number(width))\""
            if let dash { s += " stroke-dasharray=\"\(dash)\"" }
            return s + "/>"
        case .path(let d, let stroke, let width, let dash, let clip):
            var s = "<path d=\"\(d)\" stroke=\"\(stroke)\" stroke-width=\"\(number(width))\" fill=\"none\" stroke-linejoin=\"round\""
            if let dash { s += " stroke-dasharray=\"\(dash)\"" }
            if let clip { s += " clip-path=\"url(#\(clip))\"" }
            return s + "/>"
        case .dots(let points, let color, let diameter, let opacity, let clip):
            var d = ""
            d.reserveCapacity(points.count * 14)
            for p in points { d += "M\(number(p.x)) \(number(p.y))h0" }
            var s = "<path d=\"\(d)\" stroke=\"\(color)\" stroke-width=\"\(number(diameter))\" stroke-linecap=\"round\" stroke-opacity=\"\(opacity)\" fill=\"none\""
            if let clip { s += " clip-path=\"url(#\(clip))\"" }
            return s + "/>"
        case .text(let t):
            var s = "<text x=\"\(number(t.x))\" y=\"\(number(t.y))\" font-size=\"\(number(t.size))\""
            if t.anchor != .start { s += " text-anchor=\"\(t.anchor.rawValue)\"" }
            if let weight = t.weight { s += " font-weight=\"\(weight)\"" }
            if let fill = t.fill { s += " fill=\"\(fill)\"" }
            if let baseline = t.baseline { s += " dominant-baseline=\"\(baseline)\"" }
            if let rotate = t.rotate { s += " transform=\"rotate(\(number(rotate)) \(number(t.x)) \(number(t.y)))\"" }
            return s + ">\(SVGDocument.escape(t.content))</text>"
        }
    }
}

struct PlotPoint: Sendable, Equatable {
    var x: Double
    var y: Double
}

struct PlotRect: Sendable, Equatable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
}

struct PlotText: Sendable {
    var content: String
    var x: Double
    var y: Double
    var size: Double
    var anchor: SVGDocument.Anchor
    /// SVG's font-weight: "600" or "bold" draws the bold font.
    var weight: String?
    /// A colour; SVG's default is black.
    var fill: String?
    /// Degrees clockwise about (x, y); the plots use -90 and -45.
    var rotate: Double?
    /// SVG's dominant-baseline: nil (alphabetic), "middle" or "central".
    var baseline: String?
}
