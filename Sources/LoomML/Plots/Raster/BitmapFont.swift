import Foundation

/// A fixed-width bitmap font decoded from `BitmapFontData`: which pixels of a character's
/// cell are ink. Characters it lacks are drawn as "?".
struct BitmapFont: Sendable {
    let width: Int
    let height: Int
    /// Rows from the top of the cell to the baseline.
    let ascent: Int
    /// Rows from the baseline to the top of "H".
    let capHeight: Int
    private let bytesPerRow: Int
    private let glyphs: [UInt8]
    private let index: [UInt32: Int]

    init(_ data: (width: Int, height: Int, ascent: Int, base64: String)) {
        let bytesPerRow = (data.width + 7) / 8
        let glyphs = [UInt8](Data(base64Encoded: data.base64, options: .ignoreUnknownCharacters) ?? Data())
        var index: [UInt32: Int] = [:]
        for (i, code) in BitmapFontData.codepoints.enumerated() { index[code] = i }
        // The cap height: the rows above the baseline down from the first row of "H" with ink.
        let h = index[0x48] ?? 0
        var top = 0
        while top < data.ascent, !(0..<bytesPerRow).contains(where: { glyphs[(h * data.height + top) * bytesPerRow + $0] != 0 }) {
            top += 1
        }
        width = data.width
        height = data.height
        ascent = data.ascent
        capHeight = data.ascent - top
        self.bytesPerRow = bytesPerRow
        self.glyphs = glyphs
        self.index = index
    }

    /// Whether pixel (x, y) of `character`'s cell is ink.
    func isInk(_ character: Unicode.Scalar, x: Int, y: Int) -> Bool {
        let glyph = index[character.value] ?? index[0x3F]!
        let byte = glyphs[(glyph * height + y) * bytesPerRow + x / 8]
        return byte & (0x80 >> UInt8(x % 8)) != 0
    }

    /// The fonts of the PNG plots, regular and bold, from small to large.
    static let regular = [BitmapFontData.font5x8, BitmapFontData.font6x13, BitmapFontData.font7x14, BitmapFontData.font9x18].map(BitmapFont.init)
    static let bold = [BitmapFontData.font5x8, BitmapFontData.font6x13Bold, BitmapFontData.font7x14Bold, BitmapFontData.font9x18Bold].map(BitmapFont.init)

    /// The font and whole-pixel magnification whose letters come closest to those of text of
    /// `pixels` font size (a 12-pixel sans-serif's are about as tall as misc-fixed 6x13's),
    /// each step of magnification counting as a pixel off: a larger font beats a blockier one.
    static func choose(pixels: Double, bold: Bool) -> (font: BitmapFont, scale: Int) {
        let target = pixels * 1.08
        var best: (font: BitmapFont, scale: Int, cost: Double)?
        for font in bold ? Self.bold : Self.regular {
            for scale in 1...8 {
                let cost = abs(Double(font.height * scale) - target) + Double(scale - 1)
                if best == nil || cost < best!.cost { best = (font, scale, cost) }
            }
        }
        return (best!.font, best!.scale)
    }
}
