import Foundation
import Testing

@testable import LoomColumnar

/// proto/vectors/chunks: each file is one chunk that decodes to its table here and that
/// the table re-encodes to byte for byte (with liblz4 1.9.4 for the compressed buffers).
/// LOOM_WRITE_VECTORS=1 rewrites the files.
@Suite("Golden chunk vectors")
struct ChunkVectorTests {
    struct Vector: Sendable {
        let name: String
        let description: String
        let table: @Sendable () throws -> Table
    }

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("proto/vectors/chunks")

    static let vectors: [Vector] = [
        Vector(name: "empty", description: "0 rows, one int64 column \"id\" (frame of reference, width 0)") {
            try Table(rowCount: 0, columns: [.int64("id", [])])
        },
        Vector(
            name: "all-types",
            description: "5 rows: price float64 decimal [1.5, 2.25, -3.125, 0, 100] (scale 3), qty int64 [3, 1, 4, 1, 5] (width 3), ok bool [T, F, T, T, F], city string plain [paris, lyon, zürich, 東京, \"\"]"
        ) {
            try Table(columns: [
                .float64("price", [1.5, 2.25, -3.125, 0, 100]),
                .int64("qty", [3, 1, 4, 1, 5]),
                .bool("ok", [true, false, true, true, false]),
                .string("city", ["paris", "lyon", "zürich", "東京", ""]),
            ])
        },
        Vector(
            name: "nullable",
            description: "4 rows, all nullable: x float64 plain [NaN, null, -0.0, inf], n int64 [null, -1, null, 7], b bool [null, true, false, null], s dictionary [a, null, a, b]"
        ) {
            try Table(columns: [
                .float64("x", [Double.nan, nil, -0.0, Double.infinity]),
                .int64("n", [nil, -1, nil, 7]),
                .bool("b", [nil, true, false, nil]),
                try .string("s", StringArray(entries: ["a", "b"], codes: [0, 0, 0, 1]), validity: ValidityBitmap([true, false, true, true])),
            ])
        },
        Vector(
            name: "compressed",
            description: "1000 rows: big int64 i·10^15 (plain, shuffled, LZ4), label string plain \"row-<i mod 10>\" (LZ4), code string dictionary of 3 entries, temp float64 decimal i/4 (scale 2) with NaN at every 100th row (10 exceptions)"
        ) {
            try Table(columns: [
                .float64("temp", (0..<1_000).map { $0 % 100 == 0 ? Double.nan : Double($0) / 4 }),
                .int64("big", (0..<1_000).map { Int64($0) * 1_000_000_000_000_000 }),
                .string("label", (0..<1_000).map { "row-\($0 % 10)" }),
                .string("code", StringArray.dictionaryEncoded((0..<1_000).map { ["red", "green", "blue"][$0 % 3] })),
            ])
        },
    ]

    @Test("every golden chunk decodes and re-encodes byte for byte", arguments: vectors.map(\.name))
    func vector(name: String) throws {
        let vector = try #require(Self.vectors.first { $0.name == name })
        let table = try vector.table()
        let url = Self.directory.appendingPathComponent("\(name).hex")
        let encoded = try ChunkEncoder().encode(table)
        if ProcessInfo.processInfo.environment["LOOM_WRITE_VECTORS"] == "1" {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            try Self.render(description: vector.description, bytes: encoded).write(to: url, atomically: true, encoding: .utf8)
        }
        let bytes = try Self.parse(String(contentsOf: url, encoding: .utf8))
        let decoded = try ChunkDecoder().decode(bytes)
        #expect(decoded == table)
        #expect(try ChunkEncoder().encode(decoded) == bytes)
        #expect(encoded == bytes)
    }

    @Test("every file in the folder is a known vector")
    func noStrays() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".hex") }
        #expect(Set(files) == Set(Self.vectors.map { "\($0.name).hex" }))
    }

    static func parse(_ text: String) throws -> [UInt8] {
        let digits = Array(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined().filter { !$0.isWhitespace })
        guard digits.count % 2 == 0 else { throw ColumnarError.invalidOffsets }
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { throw ColumnarError.invalidOffsets }
            return byte
        }
    }

    static func render(description: String, bytes: [UInt8]) -> String {
        var text = "# \(description)\n"
        for start in stride(from: 0, to: bytes.count, by: 32) {
            text += bytes[start..<min(start + 32, bytes.count)].map { String(format: "%02x", $0) }.joined() + "\n"
        }
        return text
    }
}
