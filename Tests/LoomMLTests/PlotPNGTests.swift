import CZlib
import Foundation
import Testing

@testable import LoomML

/// A PNG file read back the way a viewer reads it: the signature, every chunk's CRC-32
/// (computed here, not by the encoder's zlib call), the IHDR, and the IDAT inflated with
/// zlib and unfiltered into RGBA pixels.
struct DecodedPNG {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var width = 0
    var height = 0
    var chunkTypes: [String] = []
    var pixels: [UInt8] = []

    init(_ bytes: [UInt8]) throws {
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Failure(description: "no PNG signature") }
        var at = 8
        var compressed: [UInt8] = []
        var header: [UInt8] = []
        while at + 12 <= bytes.count {
            let length = Int(Self.uint32(bytes, at))
            guard at + 12 + length <= bytes.count else { throw Failure(description: "a chunk runs past the end") }
            let typed = Array(bytes[(at + 4)..<(at + 8 + length)])
            let type = String(decoding: typed[0..<4], as: UTF8.self)
            guard Self.crc32(typed) == Self.uint32(bytes, at + 8 + length) else { throw Failure(description: "\(type) has a bad CRC") }
            chunkTypes.append(type)
            if type == "IHDR" { header = Array(typed[4...]) }
            if type == "IDAT" { compressed += typed[4...] }
            at += 12 + length
        }
        guard at == bytes.count, chunkTypes.first == "IHDR", chunkTypes.last == "IEND", header.count == 13 else {
            throw Failure(description: "chunks \(chunkTypes) do not make a PNG file")
        }
        width = Int(Self.uint32(header, 0))
        height = Int(Self.uint32(header, 4))
        guard header[8...] == [8, 6, 0, 0, 0] else { throw Failure(description: "not 8-bit RGBA without interlace: \(header[8...])") }
        let rowBytes = width * 4
        var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        var size = uLongf(raw.count)
        let status = uncompress(&raw, &size, compressed, uLong(compressed.count))
        guard status == Z_OK, Int(size) == raw.count else { throw Failure(description: "IDAT does not inflate to \(raw.count) bytes (zlib \(status))") }
        for y in 0..<height {
            guard raw[y * (rowBytes + 1)] == 0 else { throw Failure(description: "row \(y) uses filter \(raw[y * (rowBytes + 1)])") }
            pixels += raw[(y * (rowBytes + 1) + 1)..<((y + 1) * (rowBytes + 1))]
        }
    }

    func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(pixels[((y * width + x) * 4)..<((y * width + x) * 4 + 4)]) }

    /// How many pixels of the rows `rows` are exactly `rgb` (opaque).
    func count(_ rgb: [UInt8], rows: Range<Int>? = nil) -> Int {
        var n = 0
        for y in rows ?? 0..<height {
            for x in 0..<width where pixel(x, y) == rgb + [255] { n += 1 }
        }
        return n
    }

    private static func uint32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    /// CRC-32 (ISO 3309, the PNG one), bit by bit.
    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

@Suite struct PlotPNGTests {
    static let white: [UInt8] = [255, 255, 255, 255]

    /// `color` (#rrggbb) painted at `opacity` over white, as the rasterizer blends it.
    static func overWhite(_ color: String, _ opacity: Double) -> [UInt8] {
        let c = PlotColor(color)!
        return [c.red, c.green, c.blue].map { UInt8((255 * (1 - opacity) + Double($0) * opacity).rounded()) }
    }

    @Test func primitivesLandOnTheirPixels() throws {
        var document = SVGDocument(width: 100, height: 80, title: "primitives")
        document.rect(x: 10, y: 10, width: 20, height: 20, fill: "#ff0000")
        document.line(x1: 0, y1: 50, x2: 100, y2: 50, stroke: "#0000ff", width: 2)
        document.dots([(x: 70, y: 20)], color: "#00ff00", diameter: 8, opacity: 1)
        document.text("H", x: 40, y: 75, size: 12, fill: "#000000")
        let png = try DecodedPNG(try document.png())
        #expect((png.width, png.height) == (100, 80))
        #expect(png.chunkTypes == ["IHDR", "IDAT", "IEND"])
        #expect(png.pixel(0, 0) == Self.white)
        #expect(png.pixel(15, 15) == [255, 0, 0, 255])
        #expect(png.pixel(9, 15) == Self.white && png.pixel(30, 15) == Self.white)
        // A 2-pixel line centred on y = 50 covers rows 49 and 50 exactly.
        #expect(png.pixel(50, 49) == [0, 0, 255, 255] && png.pixel(50, 50) == [0, 0, 255, 255])
        #expect(png.pixel(50, 47) == Self.white && png.pixel(50, 52) == Self.white)
        #expect(png.pixel(70, 20) == [0, 255, 0, 255] && png.pixel(70, 26) == Self.white)
        // 6x13's "H" at 12 pixels: its left stem is the first column of the cell, from the
        // cap height down to the baseline at y = 75.
        #expect(png.pixel(40, 74) == [0, 0, 0, 255] && png.pixel(40, 67) == [0, 0, 0, 255])
        #expect(png.pixel(40, 76) == Self.white)

        let double = try DecodedPNG(try document.png(width: 200))
        #expect((double.width, double.height) == (200, 160))
        #expect(double.pixel(30, 30) == [255, 0, 0, 255] && double.pixel(18, 30) == Self.white)
    }

    @Test func aSizeThatDoesNotFitTheAspectIsLetterboxed() throws {
        var document = SVGDocument(width: 100, height: 50, title: "wide")
        document.rect(x: 0, y: 0, width: 100, height: 50, fill: "#000000")
        let png = try DecodedPNG(try document.png(width: 100, height: 100))
        #expect((png.width, png.height) == (100, 100))
        #expect(png.pixel(50, 10) == Self.white && png.pixel(50, 50) == [0, 0, 0, 255] && png.pixel(50, 90) == Self.white)
        #expect(throws: PlotError.self) { try document.png(width: 0) }
        #expect(throws: PlotError.self) { try document.png(width: 100_000, height: 10) }
    }

    @Test func pathDataAndDashesAreReadBack() {
        let paths = PathData.subpaths("M10 20L30 20M0 0h5v5l-5 0Z")
        #expect(paths == [
            [PlotPoint(x: 10, y: 20), PlotPoint(x: 30, y: 20)],
            [PlotPoint(x: 0, y: 0), PlotPoint(x: 5, y: 0), PlotPoint(x: 5, y: 5), PlotPoint(x: 0, y: 5), PlotPoint(x: 0, y: 0)],
        ])
        #expect(PathData.subpaths("M1.5-2e1H4") == [[PlotPoint(x: 1.5, y: -20), PlotPoint(x: 4, y: -20)]])
        let pieces = PathData.dashed([PlotPoint(x: 0, y: 0), PlotPoint(x: 10, y: 0), PlotPoint(x: 10, y: 10)], pattern: PathData.dashPattern("6 4"))
        #expect(pieces.map { [$0.0.x, $0.0.y, $0.1.x, $0.1.y] } == [[0, 0, 6, 0], [10, 0, 10, 6]])
    }

    /// The colour each plot draws its data in, as it lands on white: solid bars and lines,
    /// translucent dots.
    static let dataColor: [PlotKind: [UInt8]] = [
        .confusionMatrix: overWhite(ConfusionMatrixPlot.blue(1), 1),
        .rocCurve: overWhite(PlotStyle.color(0), 1),
        .precisionRecallCurve: overWhite(PlotStyle.color(0), 1),
        .featureImportance: overWhite(PlotStyle.color(0), 1),
        .residuals: overWhite(PlotStyle.color(0), 0.55),
        .predictedVsActual: overWhite(PlotStyle.color(0), 0.55),
        .clusterScatter: overWhite(PlotStyle.color(0), 0.65),
        .targetDistribution: overWhite(PlotStyle.color(0), 1),
    ]

    @Test("every plot kind decodes as a PNG of its SVG's size, with its title and its data drawn", arguments: PlotKind.allCases)
    func everyPlotKind(_ kind: PlotKind) throws {
        let plot = try #require(try PlotSVGTests.plots().first { $0.0 == kind }?.1)
        let document = try plot.document()
        let png = try DecodedPNG(try plot.png())
        #expect((png.width, png.height) == (Int(document.width.rounded()), Int(document.height.rounded())))
        #expect(png.pixel(0, 0) == Self.white && png.pixel(png.width - 1, png.height - 1) == Self.white)
        // The title's letters, in the text colour, in the band where it is drawn (y = 30).
        #expect(png.count(Self.overWhite(PlotStyle.text, 1), rows: 15..<35) > 100, "no title in \(kind.rawValue)")
        #expect(png.count(try #require(Self.dataColor[kind])) > 30, "no data drawn in \(kind.rawValue)")
        if let directory = ProcessInfo.processInfo.environment["LOOM_PLOT_DIR"] {
            try Data(try plot.png(width: Int(document.width) * 2)).write(to: URL(fileURLWithPath: directory + "/" + kind.rawValue + ".png"))
        }
    }
}
