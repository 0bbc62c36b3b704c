import CZlib

/// Encodes an RGBA canvas as a PNG file: the signature, IHDR (8-bit RGBA, no interlace),
/// one IDAT of zlib-compressed scanlines (filter type 0), and IEND, each chunk with its
/// CRC-32 (zlib's).
enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func encode(_ canvas: RasterCanvas) -> [UInt8] {
        var header: [UInt8] = []
        append(UInt32(canvas.width), to: &header)
        append(UInt32(canvas.height), to: &header)
        header += [8, 6, 0, 0, 0]  // bit depth, colour type RGBA, deflate, adaptive filters, no interlace

        let rowBytes = canvas.width * 4
        var scanlines = [UInt8](repeating: 0, count: (rowBytes + 1) * canvas.height)
        canvas.pixels.withUnsafeBufferPointer { pixels in
            scanlines.withUnsafeMutableBufferPointer { out in
                for y in 0..<canvas.height {
                    // Filter byte 0 (none), then the row.
                    let start = y * (rowBytes + 1)
                    for i in 0..<rowBytes { out[start + 1 + i] = pixels[y * rowBytes + i] }
                }
            }
        }

        var png = signature
        chunk("IHDR", header, into: &png)
        chunk("IDAT", deflate(scanlines), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    /// zlib's compress2 at level 6; the bound it gives is always enough, so it cannot fail
    /// for want of room.
    private static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { target in
            data.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &size, source.baseAddress, uLong(data.count), 6)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        return Array(out[0..<Int(size)])
    }

    private static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
        append(UInt32(data.count), to: &png)
        let typed = Array(type.utf8) + data
        png += typed
        append(crc32(typed), to: &png)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
