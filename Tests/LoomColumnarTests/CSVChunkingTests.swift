import Foundation
import Testing

@testable import LoomColumnar

@Suite("CSV ingestion: chunks, blocks and threads")
struct CSVChunkingTests {
    /// Rows with quoted newlines and commas, so that block splitting must respect quotes.
    static func text(rows: Int) -> String {
        var text = "id,label,value,note\n"
        for row in 0..<rows {
            let label = ["red", "green", "blue"][row % 3]
            let note = row % 5 == 0 ? "\"multi\nline, \"\"quoted\"\"\"" : "n\(row)"
            let value = row % 7 == 0 ? "" : (row >= rows / 2 ? "\(row).25" : "\(row)")
            text += "\(row),\(label),\(value),\(note)\n"
        }
        return text
    }

    @Test("small chunks on two threads: one schema, rows in order, same result as one thread")
    func chunksAcrossBlocks() throws {
        let text = Self.text(rows: 1_000)
        var options = CSVOptions(rowsPerChunk: 64)
        let (chunks, ingestion) = try CSVFixtures.ingest(text: text, options: options)
        #expect(ingestion.rowCount == 1_000)
        #expect(chunks.count == 16)
        let tables = try CSVFixtures.tables(chunks)
        #expect(tables.allSatisfy { $0.rowCount <= 64 })
        #expect(tables.allSatisfy { $0.schema == ingestion.schema })
        // value is int in the first half and float in the second: float everywhere.
        #expect(ingestion.schema[2] == ColumnSchema(name: "value", type: .float64, isNullable: true))
        var row = 0
        for (chunk, table) in zip(chunks, tables) {
            #expect(chunk.firstRow == row)
            #expect(chunk.rowCount == table.rowCount)
            let ids = table["id"]!.integerValues
            #expect(ids == (row..<row + table.rowCount).map { Int64($0) })
            row += table.rowCount
            // The label column repeats three values: dictionary-encoded.
            #expect(table["label"]!.strings!.isDictionaryEncoded)
        }
        // Every encoded chunk decodes to the table built without encoding.
        #expect(try CSVFixtures.unencodedTables(text: text, options: options) == tables)
        options.concurrency = 1
        let single = try CSVFixtures.ingest(text: text, options: options)
        #expect(try CSVFixtures.tables(single.chunks) == tables)
        #expect(single.ingestion.profile == ingestion.profile)
        let whole = try CSVIngestor().loadTable(CSVMemorySource(text)).table
        #expect(whole["note"]!.string(at: 5) == "multi\nline, \"quoted\"")
        #expect(whole["value"]!.double(at: 999) == 999.25)
        #expect(whole["value"]!.double(at: 7) == nil)
    }

    @Test("an error deep in the file has its file line, whatever block it is in")
    func errorLineAcrossBlocks() {
        // Row r (0-based) starts on line 2 + r + (number of earlier rows with r % 5 == 0).
        var text = Self.text(rows: 500)
        text += "500,red,1\n"  // one field short
        let lines = 2 + 500 + 100
        for concurrency in [1, 2] {
            let (error, chunks) = CSVFixtures.error(
                source: CSVMemorySource(text), options: CSVOptions(rowsPerChunk: 32, concurrency: concurrency))
            #expect(error?.code == .wrongFieldCount)
            #expect(error?.line == lines)
            #expect(error?.column == 4)
            #expect(chunks == 0)
        }
    }

    @Test("a file that changes between the passes is refused; a single pass opens it once")
    func sourceChanged() throws {
        final class Flipper: @unchecked Sendable {
            var opened = 0
        }
        struct ChangingSource: CSVByteSource {
            let flipper: Flipper
            func open() throws(CSVError) -> any CSVByteStream {
                flipper.opened += 1
                return try CSVMemorySource(flipper.opened == 1 ? "a,b\n1,2\n3,4\n" : "a,b\n1,2\n3,4\n5,6\n").open()
            }
            var knownByteCount: Int? { nil }
        }
        // Holding no chunk makes every ingestion take two passes.
        var twoPasses = CSVIngestor()
        twoPasses.maxHeldBytes = 0
        #expect(throws: CSVError.self) { try twoPasses.ingest(ChangingSource(flipper: Flipper())) { _ in } }
        do {
            _ = try twoPasses.ingest(ChangingSource(flipper: Flipper())) { _ in }
        } catch let error as CSVError {
            #expect(error.code == .sourceChanged)
        }
        let flipper = Flipper()
        let ingestion = try CSVIngestor().ingest(ChangingSource(flipper: flipper)) { _ in }
        #expect(ingestion.passes == 1)
        #expect(ingestion.rowCount == 2)
        #expect(flipper.opened == 1)
    }

    @Test("high-cardinality strings are stored plainly")
    func plainStrings() throws {
        let text = "name\n" + (0..<100).map { "person \($0)" }.joined(separator: "\n") + "\n"
        let table = try CSVIngestor().loadTable(CSVMemorySource(text)).table
        #expect(table["name"]!.strings!.isDictionaryEncoded == false)
        #expect(table["name"]!.string(at: 42) == "person 42")
    }
}
