import Foundation
import LoomWire
import NIOCore
import Testing

/// proto/vectors/frames: every file decodes to its message and the message re-encodes to
/// the file byte for byte. LOOM_WRITE_VECTORS=1 rewrites the files from WireVectors.
@Suite("Golden frame vectors")
struct GoldenVectorTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("proto/vectors/frames")

    @Test("every golden frame decodes and re-encodes byte for byte", arguments: WireVectors.all.map(\.name))
    func vector(name: String) throws {
        let vector = try #require(WireVectors.all.first { $0.name == name })
        let url = Self.directory.appendingPathComponent("\(name).hex")
        let encoded = Array(try FrameEncoder().encode(vector.message).readableBytesView)
        if ProcessInfo.processInfo.environment["LOOM_WRITE_VECTORS"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try HexFile.render(description: vector.description, bytes: encoded).write(to: url, atomically: true, encoding: .utf8)
        }
        let bytes = try HexFile.parse(String(contentsOf: url, encoding: .utf8))
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = FrameDecoder()
        #expect(try decoder.next(&buffer) == vector.message)
        #expect(buffer.readableBytes == 0)
        #expect(encoded == bytes)
    }

    @Test("every file in the folder is a known vector")
    func noStrays() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".hex") }
        #expect(Set(files) == Set(WireVectors.all.map { "\($0.name).hex" }))
    }
}

/// The vector file format: '#' lines are comments (the first says what the file holds),
/// the rest is hex, whitespace ignored.
enum HexFile {
    static func parse(_ text: String) throws -> [UInt8] {
        let digits = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined().filter { !$0.isWhitespace }
        guard digits.count % 2 == 0 else { throw WireError(.invalidValue, "odd number of hex digits") }
        var bytes = [UInt8]()
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { throw WireError(.invalidValue, "not hex: \(digits[index..<next])") }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    static func render(description: String, bytes: [UInt8]) -> String {
        var text = "# \(description)\n"
        for start in stride(from: 0, to: bytes.count, by: 32) {
            text += bytes[start..<min(start + 32, bytes.count)].map { String(format: "%02x", $0) }.joined() + "\n"
        }
        return text
    }
}
