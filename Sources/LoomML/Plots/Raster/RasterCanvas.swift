/// An RGBA image, opaque white to start with, that coverage masks are painted onto.
struct RasterCanvas: Sendable {
    let width: Int
    let height: Int
    /// Row-major RGBA, 4 bytes a pixel.
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 4)
    }

    /// Paints `mask` in `color` (r, g, b in 0...255) at `opacity`; a pixel's coverage
    /// (0...1) scales the opacity, which anti-aliases edges. `shade`, when given, gives each
    /// row its own colour (a vertical gradient).
    mutating func paint(_ mask: CoverageMask, color: PlotColor, opacity: Double, shade: ((Int) -> PlotColor)? = nil) {
        mask.values.withUnsafeBufferPointer { coverage in
            pixels.withUnsafeMutableBufferPointer { out in
                for row in 0..<mask.height {
                    let y = mask.top + row
                    let rowColor = shade?(y) ?? color
                    for column in 0..<mask.width {
                        let alpha = Double(coverage[row * mask.width + column]) * opacity
                        if alpha <= 0 { continue }
                        let p = (y * width + mask.left + column) * 4
                        out[p] = Self.blend(out[p], rowColor.red, alpha)
                        out[p + 1] = Self.blend(out[p + 1], rowColor.green, alpha)
                        out[p + 2] = Self.blend(out[p + 2], rowColor.blue, alpha)
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func blend(_ under: UInt8, _ over: UInt8, _ alpha: Double) -> UInt8 {
        let a = min(alpha, 1)
        return UInt8((Double(under) * (1 - a) + Double(over) * a).rounded())
    }

    /// The pixel at (x, y) as (r, g, b, a).
    func pixel(x: Int, y: Int) -> (UInt8, UInt8, UInt8, UInt8) {
        let p = (y * width + x) * 4
        return (pixels[p], pixels[p + 1], pixels[p + 2], pixels[p + 3])
    }
}

/// How much of each pixel of a window of the canvas one shape covers (0...1). A shape made
/// of parts (a dashed path, a set of dots, the strokes of a glyph) takes the largest
/// coverage at each pixel, so it is painted once, like an SVG stroke: where its parts
/// overlap it does not get darker.
struct CoverageMask {
    let left: Int
    let top: Int
    let width: Int
    let height: Int
    private(set) var values: [Float]

    /// A mask of the pixels under `bounds` (x0, y0, x1, y1 in pixels), within the canvas and `clip`.
    init(bounds: (Double, Double, Double, Double), canvasWidth: Int, canvasHeight: Int, clip: (Double, Double, Double, Double)? = nil) {
        var (x0, y0, x1, y1) = bounds
        if let clip {
            x0 = max(x0, clip.0); y0 = max(y0, clip.1); x1 = min(x1, clip.2); y1 = min(y1, clip.3)
        }
        left = max(0, Int(x0.rounded(.down)))
        top = max(0, Int(y0.rounded(.down)))
        width = max(0, min(canvasWidth, Int(x1.rounded(.up))) - left)
        height = max(0, min(canvasHeight, Int(y1.rounded(.up))) - top)
        values = [Float](repeating: 0, count: width * height)
    }

    private mutating func cover(_ x: Int, _ y: Int, _ amount: Double) {
        let column = x - left, row = y - top
        guard amount > 0, column >= 0, column < width, row >= 0, row < height else { return }
        let i = row * width + column
        values[i] = max(values[i], Float(min(amount, 1)))
    }

    /// An axis-aligned rectangle, pixels on its edges covered by the fraction inside it.
    mutating func addRect(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
        guard x1 > x0, y1 > y0 else { return }
        for y in Int(y0.rounded(.down))..<Int(y1.rounded(.up)) {
            let cy = min(y1, Double(y + 1)) - max(y0, Double(y))
            for x in Int(x0.rounded(.down))..<Int(x1.rounded(.up)) {
                cover(x, y, cy * (min(x1, Double(x + 1)) - max(x0, Double(x))))
            }
        }
    }

    /// A straight stroke `2 · halfWidth` wide from a to b: round caps make joins round and
    /// zero-length strokes dots; butt caps end flush at a and b.
    mutating func addSegment(_ a: PlotPoint, _ b: PlotPoint, halfWidth: Double, roundCaps: Bool) {
        let reach = halfWidth + 1
        let dx = b.x - a.x, dy = b.y - a.y
        let length = (dx * dx + dy * dy).squareRoot()
        for y in Int((min(a.y, b.y) - reach).rounded(.down))..<Int((max(a.y, b.y) + reach).rounded(.up)) {
            for x in Int((min(a.x, b.x) - reach).rounded(.down))..<Int((max(a.x, b.x) + reach).rounded(.up)) {
                let px = Double(x) + 0.5 - a.x, py = Double(y) + 0.5 - a.y
                let along = length > 0 ? (px * dx + py * dy) / length : 0
                if roundCaps || length == 0 {
                    let t = min(max(along, 0), length)
                    let ux = length > 0 ? dx / length : 0, uy = length > 0 ? dy / length : 0
                    let ex = px - t * ux, ey = py - t * uy
                    cover(x, y, halfWidth + 0.5 - (ex * ex + ey * ey).squareRoot())
                } else {
                    let across = abs(px * dy - py * dx) / length
                    let inside = min(max(min(along, length - along) + 0.5, 0), 1)
                    cover(x, y, min(max(halfWidth + 0.5 - across, 0), 1) * inside)
                }
            }
        }
    }
}

/// A colour of the plots' "#rrggbb" (or "#rgb") form.
struct PlotColor: Sendable, Equatable {
    var red: UInt8
    var green: UInt8
    var blue: UInt8

    static let black = PlotColor(red: 0, green: 0, blue: 0)

    /// Nil for "none", a url(…) reference, or anything not a hex colour.
    init?(_ text: String) {
        guard text.hasPrefix("#") else { return nil }
        var digits = String(text.dropFirst())
        if digits.count == 3 { digits = digits.map { "\($0)\($0)" }.joined() }
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
    }

    init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The colour `t` (0...1) of the way from `self` to `other`.
    func mixed(with other: PlotColor, _ t: Double) -> PlotColor {
        func channel(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return PlotColor(red: channel(red, other.red), green: channel(green, other.green), blue: channel(blue, other.blue))
    }
}
