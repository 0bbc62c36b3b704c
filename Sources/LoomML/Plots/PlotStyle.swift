/// Shared look: the Okabe–Ito colour-blind-safe palette, fonts and sizes.
public enum PlotStyle {
    /// Okabe & Ito (2008), ordered so that the first colours are the most distinct on
    /// white; yellow comes last because it is faint on white.
    public static let palette = [
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
    ]
    /// Dash patterns that tell series apart once the palette repeats.
    static let dashes: [String?] = [nil, "6 3", "2 3", "8 3 2 3"]

    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', 'DejaVu Sans', sans-serif"
    static let width = 820.0
    static let height = 580.0
    static let text = "#222222"
    static let muted = "#555555"
    static let grid = "#e6e6e6"
    static let axis = "#444444"

    static func color(_ i: Int) -> String { palette[i % palette.count] }
    static func dash(_ i: Int) -> String? { dashes[(i / palette.count) % dashes.count] }

    /// A rough text width for a sans-serif font: enough to lay out labels and legends.
    static func textWidth(_ s: String, size: Double) -> Double {
        var units = 0.0
        for c in s {
            if c.isUppercase || c == "m" || c == "w" || c == "M" || c == "W" { units += 0.72 }
            else if c == "i" || c == "l" || c == "j" || c == "." || c == "," || c == "'" || c == "|" || c == "!" { units += 0.28 }
            else if c == " " { units += 0.3 }
            else { units += 0.56 }
        }
        return units * size
    }

    /// `s` cut to at most `limit` characters, with an ellipsis.
    static func truncated(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
    }
}
