extension SVGDocument {
    /// The document as a PNG image of `width` × `height` pixels. Leave one out to keep the
    /// document's aspect ratio (both out: one pixel per unit, the SVG's own size); with both,
    /// the drawing is scaled to fit and centred on white.
    public func png(width: Int? = nil, height: Int? = nil) throws(PlotError) -> [UInt8] {
        let scale: Double
        switch (width, height) {
        case (nil, nil): scale = 1
        case (let w?, nil): scale = Double(w) / self.width
        case (nil, let h?): scale = Double(h) / self.height
        case (let w?, let h?): scale = min(Double(w) / self.width, Double(h) / self.height)
        }
        let pixelsWide = width ?? Int((self.width * scale).rounded())
        let pixelsHigh = height ?? Int((self.height * scale).rounded())
        guard (1...Self.largestPNGSide).contains(pixelsWide), (1...Self.largestPNGSide).contains(pixelsHigh) else {
            throw PlotError(
                .invalidArgument, "a PNG plot must be 1 to \(Self.largestPNGSide) pixels on each side, got \(pixelsWide) × \(pixelsHigh)")
        }
        var rasterizer = PlotRasterizer(
            document: self, scale: scale,
            originX: ((Double(pixelsWide) - self.width * scale) / 2).rounded(),
            originY: ((Double(pixelsHigh) - self.height * scale) / 2).rounded(),
            canvas: RasterCanvas(width: pixelsWide, height: pixelsHigh))
        rasterizer.draw()
        return PNGEncoder.encode(rasterizer.canvas)
    }

    /// 8,000 pixels a side (256 MB of RGBA) is far beyond any screen and still fits in memory.
    static let largestPNGSide = 8_000
}
