/// A standalone plot document built element by element: explicit width, height and
/// viewBox, a `<title>`, a white background, a font stack with fallbacks, and nothing
/// external. It keeps its elements, so the same drawing becomes SVG text (`render()`) or a
/// PNG image (`png(width:height:)`). All text goes through `SVGDocument.escape`.
public struct SVGDocument: Sendable {
    public let width: Double
    public let height: Double
    public let title: String
    private(set) var elements: [PlotElement] = []
    private(set) var clips: [String: PlotRect] = [:]
    private(set) var gradients: [String: [String]] = [:]
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

    /// A vertical gradient that a rect's fill can name as `url(#id)`: `colors` spread evenly
    /// from the bottom (first) to the top (last).
    public mutating func verticalGradient(id: String, colors: [String]) {
        gradients[id] = colors
        let stops = colors.enumerated().map { i, color in
            "<stop offset=\"\(Self.number(colors.count > 1 ? Double(i) / Double(colors.count - 1) : 0))\" stop-color=\"\(color)\"/>"
        }
        definitions.append("<linearGradient id=\"\(id)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">" + stops.joined() + "</linearGradient>")
    }

    public mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String,
        stroke: String? = nil, strokeWidth: Double = 1, opacity: Double? = nil, tooltip: String? = nil
    ) {
        elements.append(.rect(
            PlotRect(x: x, y: y, width: max(0, width), height: max(0, height)), fill: fill, stroke: stroke,
            strokeWidth: strokeWidth, opacity: opacity, tooltip: tooltip))
    }

    public mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil
    ) {
        elements.append(.line(x1: x1, y1: y1, x2: x2, y2: y2, stroke: stroke, width: width, dash: dash))
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
        elements.append(.dots(points.map { PlotPoint(x: $0.x, y: $0.y) }, color: color, diameter: diameter, opacity: opacity, clip: clip))
    }

    /// An unfilled path of straight segments: SVG path data with the commands M, L, H, V
    /// (and their relative forms) and Z, which is all the plots draw.
    public mutating func path(_ d: String, stroke: String, width: Double = 2, dash: String? = nil, clip: String? = nil) {
        elements.append(.path(d, stroke: stroke, width: width, dash: dash, clip: clip))
    }

    public enum Anchor: String, Sendable { case start, middle, end }

    public mutating func text(
        _ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
        weight: String? = nil, fill: String? = nil, rotate: Double? = nil, baseline: String? = nil
    ) {
        elements.append(.text(
            PlotText(content: content, x: x, y: y, size: size, anchor: anchor, weight: weight, fill: fill, rotate: rotate, baseline: baseline)))
    }

    /// A clip rectangle that paths can refer to by `id`.
    public mutating func clipRect(id: String, x: Double, y: Double, width: Double, height: Double) {
        clips[id] = PlotRect(x: x, y: y, width: width, height: height)
        definitions.append(
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
        out += elements.map(\.svg).joined(separator: "\n")
        out += "\n</svg>\n"
        return out
    }
}
