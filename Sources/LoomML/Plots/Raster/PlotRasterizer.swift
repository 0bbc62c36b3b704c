import Foundation

/// Paints an `SVGDocument`'s elements into a `RasterCanvas`, `scale` canvas pixels per
/// document unit, offset by (`originX`, `originY`) pixels: rectangles, strokes with dashes
/// and round joins, dots, and text in the built-in bitmap fonts, all anti-aliased except
/// the text, whose pixels stay crisp.
struct PlotRasterizer {
    let document: SVGDocument
    let scale: Double
    let originX: Double
    let originY: Double
    var canvas: RasterCanvas

    mutating func draw() {
        for element in document.elements {
            switch element {
            case .rect(let r, let fill, let stroke, let strokeWidth, let opacity, _):
                drawRect(r, fill: fill, stroke: stroke, strokeWidth: strokeWidth, opacity: opacity ?? 1)
            case .line(let x1, let y1, let x2, let y2, let stroke, let width, let dash):
                self.stroke([[PlotPoint(x: x1, y: y1), PlotPoint(x: x2, y: y2)]], color: stroke, width: width, dash: dash, roundCaps: false, clip: nil)
            case .path(let d, let stroke, let width, let dash, let clip):
                self.stroke(PathData.subpaths(d), color: stroke, width: width, dash: dash, roundCaps: true, clip: clip)
            case .dots(let points, let color, let diameter, let opacity, let clip):
                drawDots(points, color: color, diameter: diameter, opacity: opacity, clip: clip)
            case .text(let text):
                drawText(text)
            }
        }
    }

    private func pixel(_ p: PlotPoint) -> PlotPoint {
        PlotPoint(x: originX + p.x * scale, y: originY + p.y * scale)
    }

    private func clipBounds(_ id: String?) -> (Double, Double, Double, Double)? {
        guard let id, let r = document.clips[id] else { return nil }
        let a = pixel(PlotPoint(x: r.x, y: r.y)), b = pixel(PlotPoint(x: r.x + r.width, y: r.y + r.height))
        return (a.x, a.y, b.x, b.y)
    }

    private func mask(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, clip: String? = nil) -> CoverageMask {
        CoverageMask(bounds: (x0, y0, x1, y1), canvasWidth: canvas.width, canvasHeight: canvas.height, clip: clipBounds(clip))
    }

    private mutating func drawRect(_ r: PlotRect, fill: String, stroke: String?, strokeWidth: Double, opacity: Double) {
        let a = pixel(PlotPoint(x: r.x, y: r.y)), b = pixel(PlotPoint(x: r.x + r.width, y: r.y + r.height))
        if fill.hasPrefix("url(#"), let colors = document.gradients[String(fill.dropFirst(5).dropLast())]?.compactMap(PlotColor.init), let first = colors.first {
            var area = mask(a.x, a.y, b.x, b.y)
            area.addRect(a.x, a.y, b.x, b.y)
            // Bottom to top, like the SVG's linearGradient from y1 = 1 to y2 = 0.
            canvas.paint(area, color: first, opacity: opacity) { y in
                guard colors.count > 1 else { return first }
                let t = min(max((b.y - (Double(y) + 0.5)) / max(b.y - a.y, 1), 0), 1) * Double(colors.count - 1)
                let i = min(Int(t), colors.count - 2)
                return colors[i].mixed(with: colors[i + 1], t - Double(i))
            }
        } else if let color = PlotColor(fill) {
            var area = mask(a.x, a.y, b.x, b.y)
            area.addRect(a.x, a.y, b.x, b.y)
            canvas.paint(area, color: color, opacity: opacity)
        }
        guard let stroke, let color = PlotColor(stroke), strokeWidth > 0 else { return }
        // SVG centres the stroke on the edge.
        let h = strokeWidth * scale / 2
        var edges = mask(a.x - h, a.y - h, b.x + h, b.y + h)
        edges.addRect(a.x - h, a.y - h, b.x + h, a.y + h)
        edges.addRect(a.x - h, b.y - h, b.x + h, b.y + h)
        edges.addRect(a.x - h, a.y - h, a.x + h, b.y + h)
        edges.addRect(b.x - h, a.y - h, b.x + h, b.y + h)
        canvas.paint(edges, color: color, opacity: 1)
    }

    private mutating func stroke(_ subpaths: [[PlotPoint]], color: String, width: Double, dash: String?, roundCaps: Bool, clip: String?) {
        guard let color = PlotColor(color), width > 0 else { return }
        let points = subpaths.map { $0.map(pixel) }
        let all = points.flatMap { $0 }
        guard !all.isEmpty else { return }
        let half = width * scale / 2
        var shape = mask(
            all.map(\.x).min()! - half - 1, all.map(\.y).min()! - half - 1, all.map(\.x).max()! + half + 1,
            all.map(\.y).max()! + half + 1, clip: clip)
        let pattern = dash.map { PathData.dashPattern($0).map { $0 * scale } } ?? []
        for subpath in points {
            for (a, b) in PathData.dashed(subpath, pattern: pattern) {
                shape.addSegment(a, b, halfWidth: half, roundCaps: roundCaps)
            }
        }
        canvas.paint(shape, color: color, opacity: 1)
    }

    private mutating func drawDots(_ points: [PlotPoint], color: String, diameter: Double, opacity: Double, clip: String?) {
        guard let color = PlotColor(color) else { return }
        let centres = points.map(pixel)
        let half = diameter * scale / 2
        var shape = mask(
            centres.map(\.x).min()! - half - 1, centres.map(\.y).min()! - half - 1, centres.map(\.x).max()! + half + 1,
            centres.map(\.y).max()! + half + 1, clip: clip)
        for c in centres { shape.addSegment(c, c, halfWidth: half, roundCaps: true) }
        canvas.paint(shape, color: color, opacity: opacity)
    }

    private mutating func drawText(_ text: PlotText) {
        // Control characters show as spaces; characters the fonts lack, as "?".
        let characters = text.content.unicodeScalars.map { $0.value < 0x20 ? " " : $0 }
        guard !characters.isEmpty else { return }
        let bold = text.weight.map { $0 == "bold" || (Int($0) ?? 400) >= 600 } ?? false
        let (font, k) = BitmapFont.choose(pixels: text.size * scale, bold: bold)
        let color = text.fill.flatMap(PlotColor.init) ?? .black
        let advance = Double(font.width * k)
        let textWidth = advance * Double(characters.count)
        // The text's top-left corner relative to its anchor point, in whole pixels so that
        // unrotated and quarter-turned glyphs land on the pixel grid.
        let shiftX: Double = switch text.anchor {
        case .start: 0
        case .middle: -(textWidth / 2).rounded()
        case .end: -textWidth
        }
        let baselineDrop = text.baseline == "middle" || text.baseline == "central"
            ? Double(font.ascent * k) - (Double(font.capHeight * k) / 2).rounded() : Double(font.ascent * k)
        let anchor = pixel(PlotPoint(x: text.x, y: text.y))
        let origin = PlotPoint(x: anchor.x.rounded(), y: anchor.y.rounded())
        let radians = (text.rotate ?? 0) * .pi / 180
        let (cosine, sine) = (Self.snapped(cos(radians)), Self.snapped(sin(radians)))
        let dot = Double(k)
        // The text's box, turned, bounds the pixels it can touch.
        let corners = [(shiftX, -baselineDrop), (shiftX + textWidth, -baselineDrop),
                       (shiftX, Double(font.height * k) - baselineDrop), (shiftX + textWidth, Double(font.height * k) - baselineDrop)]
            .map { PlotPoint(x: origin.x + $0.0 * cosine - $0.1 * sine, y: origin.y + $0.0 * sine + $0.1 * cosine) }
        var shape = mask(
            corners.map(\.x).min()! - dot - 1, corners.map(\.y).min()! - dot - 1,
            corners.map(\.x).max()! + dot + 1, corners.map(\.y).max()! + dot + 1)
        for (i, character) in characters.enumerated() {
            for gy in 0..<font.height {
                for gx in 0..<font.width where font.isInk(character, x: gx, y: gy) {
                    // The dot's centre in text coordinates, then turned about the anchor.
                    let lx = shiftX + Double(i) * advance + (Double(gx) + 0.5) * dot
                    let ly = -baselineDrop + (Double(gy) + 0.5) * dot
                    let cx = origin.x + lx * cosine - ly * sine
                    let cy = origin.y + lx * sine + ly * cosine
                    shape.addRect(cx - dot / 2, cy - dot / 2, cx + dot / 2, cy + dot / 2)
                }
            }
        }
        canvas.paint(shape, color: color, opacity: 1)
    }

    /// cos and sin of quarter turns exactly 0 or ±1, so rotated text stays on the pixel grid.
    private static func snapped(_ value: Double) -> Double {
        abs(value) < 1e-9 ? 0 : abs(abs(value) - 1) < 1e-9 ? (value > 0 ? 1 : -1) : value
    }
}
