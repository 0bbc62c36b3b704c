/// A standalone SVG document built element by element: explicit width, height and
/// viewBox, a `<title>`, a white background, a font stack with fallbacks, and nothing
/// external. All text goes through `SVGDocument.escape`.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    public let title: String
    private var body: [String] = []
    private var definitions: [String] = []

    public init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    /// Escapes text for XML content and attribute values, and drops the control
    /// characters XML 1.0 forbids.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(" ")
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with at most one decimal: enough for a screen, small in bytes.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let tenths = (v * 10).rounded()
        if tenths == tenths.rounded(.towardZero), abs(tenths) < 1e15 {
            let whole = Int(tenths)
            let sign = whole < 0 ? "-" : ""
            let magnitude = abs(whole)
            if magnitude % 10 == 0 { return "\(sign)\(magnitude / 10)" }
            return "\(sign)\(magnitude / 10).\(magnitude % 10)"
        }
        return "\(v)"
    }

    public mutating func addDefinition(_ raw: String) { definitions.append(raw) }

    public mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String,
        stroke: String? = nil, strokeWidth: Double = 1, opacity: Double? = nil, tooltip: String? = nil
    ) {
        var s = "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(0, width)))\" height=\"\(Self.number(max(0, height)))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"\(Self.number(strokeWidth))\"" }
        if let opacity { s += " fill-opacity=\"\(opacity)\"" }
        if let tooltip {
            s += "><title>\(Self.escape(tooltip))</title></rect>"
        } else {
            s += "/>"
        }
        body.append(s)
    }

    public mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil
    ) {
        var s = "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        body.append(s + "/>")
    }

    /// A path through `points` (straight segments), clipped to `clip` if given.
    public mutating func polyline(
        _ points: [(x: Double, y: Double)], stroke: String, width: Double = 2, dash: String? = nil,
        clip: String? = nil
    ) {
        guard let first = points.first else { return }
        var d = "M\(Self.number(first.x)) \(Self.number(first.y))"
        for p in points.dropFirst() { d += "L\(Self.number(p.x)) \(Self.number(p.y))" }
        path(d, stroke: stroke, width: width, dash: dash, clip: clip)
    }

    /// Dots drawn as zero-length round-capped segments in one path: far smaller than one
    /// `<circle>` per point.
    public mutating func dots(
        _ points: [(x: Double, y: Double)], color: String, diameter: Double = 5, opacity: Double = 0.7,
        clip: String? = nil
    ) {
        guard !points.isEmpty else { return }
        var d = ""
        d.reserveCapacity(points.count * 14)
        for p in points { d += "M\(Self.number(p.x)) \(Self.number(p.y))h0" }
        var s = "<path d=\"\(d)\" stroke=\"\(color)\" stroke-width=\"\(Self.number(diameter))\" stroke-linecap=\"round\" stroke-opacity=\"\(opacity)\" fill=\"none\""
        if let clip { s += " clip-path=\"url(#\(clip))\"" }
        body.append(s + "/>")
    }

    public mutating func path(
        _ d: String, stroke: String, width: Double = 2, dash: String? = nil, fill: String = "none",
        clip: String? = nil
    ) {
        var s = "<path d=\"\(d)\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\" fill=\"\(fill)\" stroke-linejoin=\"round\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if let clip { s += " clip-path=\"url(#\(clip))\"" }
        body.append(s + "/>")
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(
        _ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
        weight: String? = nil, fill: String? = nil, rotate: Double? = nil, baseline: String? = nil
    ) {
        var s = "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\""
        if anchor != .start { s += " text-anchor=\"\(anchor.rawValue)\"" }
        if let weight { s += " font-weight=\"\(weight)\"" }
        if let fill { s += " fill=\"\(fill)\"" }
        if let baseline { s += " dominant-baseline=\"\(baseline)\"" }
        if let rotate { s += " transform=\"rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))\"" }
        body.append(s + ">\(Self.escape(content))</text>")
    }

    /// A clip rectangle that paths can refer to by `id`.
    public mutating func clipRect(id: String, x: Double, y: Double, width: Double, height: Double) {
        addDefinition(
            "<clipPath id=\"\(id)\"><rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\"/></clipPath>")
    }

    public func render() -> String {
        let w = Self.number(width), h = Self.number(height)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" aria-labelledby=\"plot-title\""
        out += " font-family=\"\(PlotStyle.fontFamily)\">\n"
        out += "<title id=\"plot-title\">\(Self.escape(title))</title>\n"
        if !definitions.isEmpty { out += "<defs>" + definitions.joined() + "</defs>\n" }
        out += "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>\n"
        out += body.joined(separator: "\n")
        out += "\n</svg>\n"
        return out
    }
}
