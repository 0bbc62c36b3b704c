import Foundation
import Testing

@testable import LoomColumnar

@Suite("CSV reader: the fixture corpus")
struct CSVReaderTests {
    @Test("quoted fields, doubled quotes and an empty last field")
    func quotes() throws {
        let table = try CSVFixtures.table("quotes.csv")
        #expect(table.schema == [
            ColumnSchema(name: "id", type: .int64, isNullable: false),
            ColumnSchema(name: "text", type: .string, isNullable: false),
            ColumnSchema(name: "score", type: .float64, isNullable: true),
        ])
        #expect(table["id"]!.integerValues == [1, 2, 3])
        #expect(table["text"]!.stringValues == ["hello, world", "she said \"hi\"", "plain"])
        #expect(table["score"]!.doubleValues == [1.5, 2.0, nil])
    }

    @Test("newlines inside quotes, CRLF line ends")
    func embeddedNewlines() throws {
        let table = try CSVFixtures.table("embedded_newlines.csv")
        #expect(table.rowCount == 3)
        #expect(table["note"]!.stringValues == ["line one\r\nline two", "a\nb\nc", "end"])
        #expect(table["id"]!.integerValues == [1, 2, 3])
    }

    @Test("a byte order mark and semicolons; a decimal comma stays text")
    func bomAndSemicolons() throws {
        let (_, ingestion) = try CSVFixtures.ingest("bom_semicolon.csv")
        #expect(ingestion.delimiter == UInt8(ascii: ";"))
        let table = try CSVFixtures.table("bom_semicolon.csv")
        #expect(table.columns.map(\.name) == ["name", "value", "flag"])
        #expect(table["value"]!.stringValues == ["1,5", "2"])
        #expect(table["flag"]!.booleanValues == [true, false])
    }

    @Test("tabs and pipes are detected")
    func otherDelimiters() throws {
        let tabs = try CSVFixtures.table("tabs.tsv")
        #expect(tabs["c"]!.doubleValues == [2.5, -300])
        #expect(tabs["b"]!.stringValues == ["x", "y"])
        let pipes = try CSVFixtures.table("pipes.csv")
        #expect(pipes["a"]!.integerValues == [1, 2])
        #expect(pipes["b"]!.integerValues == [nil, 3])
    }

    @Test("a fixed delimiter overrides detection")
    func fixedDelimiter() throws {
        let table = try CSVFixtures.table("pipes.csv", options: CSVOptions(delimiter: .fixed(UInt8(ascii: ","))))
        #expect(table.columns.map(\.name) == ["a|b"])
        #expect(table["a|b"]!.stringValues == ["1|NA", "2|3"])
    }

    @Test("missing values: empty, NA, N/A, null, NaN and ?")
    func missingValues() throws {
        let table = try CSVFixtures.table("missing.csv")
        #expect(table["i"]!.integerValues == [1, nil, 3, nil])
        #expect(table["f"]!.doubleValues == [1.5, nil, nil, 2.5])
        #expect(table["s"]!.stringValues == ["x", nil, nil, "z"])
        #expect(table["b"]!.booleanValues == [true, nil, false, nil])
        #expect(table.columns.allSatisfy { $0.isNullable })
    }

    @Test("type inference widens int to float, refuses int+bool, overflows to float")
    func mixedTypes() throws {
        let table = try CSVFixtures.table("mixed_types.csv")
        #expect(table["int_to_float"]!.doubleValues == [1, 2.5, 3])
        #expect(table["int_bool"]!.type == .string)
        #expect(table["int_bool"]!.stringValues == ["1", "true", "0"])
        #expect(table["big"]!.type == .float64)
        #expect(table["big"]!.doubleValues == [9_223_372_036_854_775_807.0, 9_223_372_036_854_775_808.0, 1])
        #expect(table["neg"]!.integerValues == [-5, 0, 7])
    }

    @Test("no final newline, blank lines skipped, a header with no rows")
    func lineEnds() throws {
        let noFinalNewline = try CSVFixtures.table("no_final_newline.csv")
        #expect(noFinalNewline["y"]!.integerValues == [2, 4])
        let blankLines = try CSVFixtures.table("blank_lines.csv")
        #expect(blankLines["x"]!.integerValues == [1, 3, 5])
        let (chunks, ingestion) = try CSVFixtures.ingest("header_only.csv")
        #expect(chunks.isEmpty)
        #expect(ingestion.rowCount == 0)
        #expect(ingestion.schema.map(\.name) == ["a", "b", "c"])
        #expect(ingestion.schema.allSatisfy { $0.type == .string })
    }

    @Test("a 200 KB quoted field with newlines and quotes")
    func hugeField() throws {
        let table = try CSVFixtures.table("huge_field.csv")
        let expected = String(repeating: String(repeating: "x", count: 99) + "\n", count: 2000) + "\"end\""
        #expect(table["blob"]!.stringValues == [expected, "small"])
        #expect(table["n"]!.integerValues == [7, 8])
        let refused = CSVFixtures.error("huge_field.csv", options: CSVOptions(maxRowBytes: 100_000))
        #expect(refused.error?.code == .rowTooLong)
        #expect(refused.error?.line == 2)
        #expect(refused.chunksBeforeError == 0)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let file: String
        let code: CSVError.Code
        let line: Int?
        let column: Int?
        var testDescription: String { "\(file) → \(code)" }
    }

    @Test("bad files are refused with a code, line and column, before any chunk", arguments: [
        Refusal(file: "ragged.csv", code: .wrongFieldCount, line: 3, column: 3),
        Refusal(file: "unterminated.csv", code: .unterminatedQuote, line: 3, column: 2),
        Refusal(file: "invalid_utf8.csv", code: .invalidUTF8, line: 3, column: 2),
        Refusal(file: "empty.csv", code: .emptyFile, line: nil, column: nil),
        Refusal(file: "bom_only.csv", code: .emptyFile, line: nil, column: nil),
        Refusal(file: "missing_header.csv", code: .missingHeader, line: 1, column: nil),
        Refusal(file: "duplicate_names.csv", code: .duplicateColumnName, line: 1, column: 3),
        Refusal(file: "empty_name.csv", code: .emptyColumnName, line: 1, column: 2),
        Refusal(file: "stray_quote.csv", code: .unexpectedQuote, line: 3, column: 2),
    ])
    func refusals(_ refusal: Refusal) {
        let (error, chunks) = CSVFixtures.error(refusal.file)
        #expect(error?.code == refusal.code)
        #expect(error?.line == refusal.line)
        #expect(error?.column == refusal.column)
        #expect(chunks == 0)
    }

    @Test("ragged rows: pad, truncate, or both")
    func raggedPolicies() throws {
        let pad = CSVFixtures.error("ragged.csv", options: CSVOptions(raggedRows: .pad))
        #expect(pad.error?.code == .wrongFieldCount)
        #expect(pad.error?.line == 4)
        #expect(pad.error?.column == 4)
        let truncate = CSVFixtures.error("ragged.csv", options: CSVOptions(raggedRows: .truncate))
        #expect(truncate.error?.line == 3)
        let table = try CSVFixtures.table("ragged.csv", options: CSVOptions(raggedRows: .padAndTruncate))
        #expect(table["a"]!.integerValues == [1, 4, 6])
        #expect(table["c"]!.integerValues == [3, nil, 8])
    }

    @Test("a file over the size limit is refused, known size or not")
    func sizeLimit() {
        let fromFile = CSVFixtures.error("quotes.csv", options: CSVOptions(maxFileBytes: 10))
        #expect(fromFile.error?.code == .fileTooLarge)
        let big = String(repeating: "1,2\n", count: 2_000_000)
        struct UnknownSize: CSVByteSource {
            let inner: CSVMemorySource
            func open() throws(CSVError) -> any CSVByteStream { try inner.open() }
            var knownByteCount: Int? { nil }
        }
        let streamed = CSVFixtures.error(source: UnknownSize(inner: CSVMemorySource("a,b\n" + big)), options: CSVOptions(maxFileBytes: 5_000_000))
        #expect(streamed.error?.code == .fileTooLarge)
        #expect(streamed.chunksBeforeError == 0)
    }

    @Test("an unknown file is an io_error; an unknown target is invalid_options")
    func ioAndOptions() {
        #expect(CSVFixtures.error(source: CSVFileSource(path: "/nonexistent/x.csv")).error?.code == .ioError)
        #expect(throws: CSVError.self) {
            _ = try CSVIngestor().ingest(CSVMemorySource("a,b\n1,2\n"), target: "c") { _ in }
        }
    }

    @Test("the delimiter detector ignores delimiters inside quotes")
    func detector() {
        let sample = Array("name;note\n\"a,b,c\";x\n\"d,e\";y\n".utf8)
        #expect(sample.withUnsafeBytes { CSVDelimiterDetector.detect($0, isWholeFile: true) } == UInt8(ascii: ";"))
        let single = Array("value\n1\n2\n".utf8)
        #expect(single.withUnsafeBytes { CSVDelimiterDetector.detect($0, isWholeFile: true) } == UInt8(ascii: ","))
    }
}
