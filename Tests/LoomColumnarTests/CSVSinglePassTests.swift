import Foundation
import Testing

@testable import LoomColumnar

/// The ingestion's single pass (types guessed from the first rows, chunks built once and
/// held) and its way back to two passes: both must give the same chunks, schema and
/// profile, and the same errors.
@Suite("CSV ingestion: one pass when the first rows' types hold, two otherwise")
struct CSVSinglePassTests {
    /// Integers, decimals, booleans, text; the values of `late` appear only from row
    /// `lateFrom` on, and the rows before it have `early` there.
    static func text(rows: Int, early: String = "7", late: String = "7", lateFrom: Int = .max) -> String {
        var text = "id,x,flag,word,late\n"
        for row in 0..<rows {
            let x = row % 11 == 0 ? "NA" : "\(row % 97).\(row % 10)5"
            let flag = row % 3 == 0 ? "true" : "false"
            let word = ["ant", "bee", "cat", "\"d,og\""][row % 4]
            text += "\(row),\(x),\(flag),\(word),\(row >= lateFrom ? late : early)\n"
        }
        return text
    }

    /// An ingestor whose guess reads only the first few rows, with small chunks.
    static func ingestor(concurrency: Int = 2, maxHeldBytes: Int? = nil) -> CSVIngestor {
        var ingestor = CSVIngestor(options: CSVOptions(rowsPerChunk: 250, concurrency: concurrency))
        ingestor.guessBytes = 200
        ingestor.blockBytes = 4_000
        ingestor.maxHeldBytes = maxHeldBytes
        return ingestor
    }

    static func ingest(_ text: String, _ ingestor: CSVIngestor) throws -> (tables: [Table], encoded: [[UInt8]?], ingestion: CSVIngestion) {
        var chunks: [CSVChunk] = []
        let ingestion = try ingestor.ingest(CSVMemorySource(text)) { chunks.append($0) }
        #expect(chunks.map(\.index) == Array(chunks.indices))
        #expect(chunks.map(\.firstRow) == chunks.indices.map { chunks[0..<$0].reduce(0) { $0 + $1.rowCount } })
        return (try CSVFixtures.tables(chunks), chunks.map(\.encoded), ingestion)
    }

    @Test("a file that keeps its first rows' types is read once, and gives what two passes give")
    func onePassMatchesTwo() throws {
        let text = Self.text(rows: 3_000)
        for concurrency in [1, 3] {
            let once = try Self.ingest(text, Self.ingestor(concurrency: concurrency))
            // Holding nothing sends every file through two passes.
            let twice = try Self.ingest(text, Self.ingestor(concurrency: concurrency, maxHeldBytes: 0))
            #expect(once.ingestion.passes == 1)
            #expect(twice.ingestion.passes == 2)
            #expect(once.ingestion.schema.map(\.type) == [.int64, .float64, .bool, .string, .int64])
            #expect(once.ingestion.schema.map(\.isNullable) == [false, true, false, false, false])
            #expect(once.ingestion.schema == twice.ingestion.schema)
            #expect(once.ingestion.rowCount == 3_000)
            // Blocks of at most 4,000 bytes: more chunks than 3,000 / 250.
            #expect(once.tables.count > 12)
            #expect(once.tables.allSatisfy { $0.rowCount <= 250 })
            #expect(once.tables == twice.tables)
            #expect(once.encoded == twice.encoded)
            #expect(once.ingestion.profile == twice.ingestion.profile)
            let table = Table.concatenating(once.tables, schema: once.ingestion.schema)
            #expect(table["word"]!.string(at: 3) == "d,og")
            #expect(table["x"]!.double(at: 0) == nil)
            #expect(table["x"]!.double(at: 2_999) == 89.95)
        }
    }

    @Test("a value the guessed type cannot hold, deep in the file, widens the column in two passes", arguments: [
        ("7", "7.5", ColumnType.float64, 2),  // integers, then a decimal
        ("7", "seven", .string, 2),  // integers, then text
        ("true", "1", .string, 2),  // booleans, then a number
        ("7", "", .int64, 1),  // a first missing value: still one pass, the column nullable
        ("7.5", "NA", .float64, 1),
        ("ant", "?", .string, 1),
    ])
    func lateWidening(early: String, late: String, type: ColumnType, passes: Int) throws {
        let nullable = late.isEmpty || late == "NA" || late == "?"
        let text = Self.text(rows: 2_000, early: early, late: late, lateFrom: 1_700)
        for concurrency in [1, 2] {
            let result = try Self.ingest(text, Self.ingestor(concurrency: concurrency))
            #expect(result.ingestion.passes == passes)
            #expect(result.ingestion.schema[4] == ColumnSchema(name: "late", type: type, isNullable: nullable))
            #expect(result.tables.allSatisfy { $0.schema == result.ingestion.schema })
            let column = Table.concatenating(result.tables, schema: result.ingestion.schema)["late"]!
            #expect(column.isNull(1_699) == false)
            #expect(column.isNull(1_700) == nullable)
            #expect(result.ingestion.profile[column: "late"]?.missing == (nullable ? 300 : 0))
            // Exactly what two passes make, chunk for chunk and byte for byte.
            let twice = try Self.ingest(text, Self.ingestor(concurrency: concurrency, maxHeldBytes: 0))
            #expect(twice.ingestion.passes == 2)
            #expect(result.tables == twice.tables)
            #expect(result.encoded == twice.encoded)
            #expect(result.ingestion.schema == twice.ingestion.schema)
            #expect(result.ingestion.profile == twice.ingestion.profile)
        }
    }

    @Test("a late missing value in a file read as tables (no encoding) makes the column nullable in every chunk")
    func lateNullTables() throws {
        let text = Self.text(rows: 2_000, early: "7", late: "", lateFrom: 1_900)
        var ingestor = Self.ingestor()
        ingestor.options.encodesChunks = false
        var chunks: [CSVChunk] = []
        let ingestion = try ingestor.ingest(CSVMemorySource(text)) { chunks.append($0) }
        #expect(ingestion.passes == 1)
        let tables = try CSVFixtures.tables(chunks)
        #expect(tables.allSatisfy { $0["late"]!.isNullable })
        #expect(tables.map(\.rowCount).reduce(0, +) == 2_000)
    }

    @Test("a column with no value in the first rows is not guessed: two passes")
    func emptyColumnAtFirst() throws {
        let text = Self.text(rows: 1_000, early: "", late: "3", lateFrom: 500)
        let result = try Self.ingest(text, Self.ingestor())
        #expect(result.ingestion.passes == 2)
        #expect(result.ingestion.schema[4] == ColumnSchema(name: "late", type: .int64, isNullable: true))
    }

    @Test("held chunks over the limit switch to two passes with the same outcome")
    func heldLimit() throws {
        let text = Self.text(rows: 3_000)
        let limited = try Self.ingest(text, Self.ingestor(maxHeldBytes: 10_000))
        let unlimited = try Self.ingest(text, Self.ingestor(maxHeldBytes: 1 << 30))
        #expect(limited.ingestion.passes == 2)
        #expect(unlimited.ingestion.passes == 1)
        #expect(limited.tables == unlimited.tables)
        #expect(limited.ingestion.profile == unlimited.ingestion.profile)
    }

    @Test("an error after the guess is reported with its file line, and no chunk is handed over")
    func errorAfterGuess() {
        var text = Self.text(rows: 2_000)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The line of row 1,500 (line 1 is the header) loses a field.
        var broken = lines.map(String.init)
        broken[1_501] = "1500,1.5,true,ant"
        text = broken.joined(separator: "\n")
        for maxHeldBytes in [nil, 0] {
            var chunks = 0
            do {
                _ = try Self.ingestor(maxHeldBytes: maxHeldBytes).ingest(CSVMemorySource(text)) { _ in chunks += 1 }
                Issue.record("the broken row was accepted")
            } catch let error as CSVError {
                #expect(error.code == .wrongFieldCount)
                #expect(error.line == 1_502)
                #expect(error.column == 5)
            } catch {
                Issue.record("unexpected error \(error)")
            }
            #expect(chunks == 0)
        }
    }

    @Test("loadTable holds tables in the single pass, for any size of held chunks")
    func loadTableOnePass() throws {
        let text = Self.text(rows: 2_000)
        var ingestor = Self.ingestor(maxHeldBytes: 0)
        ingestor.options.encodesChunks = false
        let (table, ingestion) = try ingestor.loadTable(CSVMemorySource(text))
        #expect(ingestion.passes == 1)
        #expect(table.rowCount == 2_000)
        #expect(table["id"]!.integerValues == (0..<2_000).map { Int64($0) })
    }

    @Test("the sample behind quartiles is the same whatever the threads, chunks or passes")
    func sampleIsStable() throws {
        var text = "n\n"
        for row in 0..<20_000 { text += "\((row * 7_919) % 20_000)\n" }
        var profiles: [ColumnProfile] = []
        for (concurrency, maxHeldBytes) in [(1, nil), (2, nil), (3, 0)] as [(Int, Int?)] {
            var ingestor = CSVIngestor(options: CSVOptions(rowsPerChunk: 1_000, concurrency: concurrency))
            ingestor.maxHeldBytes = maxHeldBytes
            ingestor.options.profile.sampleSize = 2_000
            let profile = try ingestor.ingest(CSVMemorySource(text)) { _ in }.profile
            profiles.append(profile[column: "n"]!)
        }
        #expect(profiles[1] == profiles[0])
        #expect(profiles[2] == profiles[0])
        let numeric = try #require(profiles[0].numeric)
        #expect(numeric.quartilesEstimated)
        // A uniform sample of 1,000 to 2,000 of 0..<20,000 puts the median near 10,000.
        #expect(abs(numeric.median! - 9_999.5) < 1_000)
        #expect(numeric.min == 0 && numeric.max == 19_999)
    }

    @Test("a value sample merged in any grouping is the values under the same threshold")
    func valueSampleMerges() {
        var random = SeededRandom(seed: 3)
        let parts: [ValueSample] = (0..<40).map { part in
            let keys = ValueSample.keys(chunk: part, count: 500)
            return ValueSample(values: keys.indices.map { Double(part * 500 + $0) }, keys: keys, threshold: .max)
        }
        var inOrder = ValueSample()
        for part in parts { inOrder.merge(part, limit: 3_000) }
        // Pairs first, then the pairs, in a shuffled order.
        var pairs: [ValueSample] = stride(from: 0, to: parts.count, by: 2).map { index in
            var pair = parts[index]
            pair.merge(parts[index + 1], limit: 3_000)
            return pair
        }
        pairs.shuffle(using: &random)
        var grouped = ValueSample()
        for pair in pairs { grouped.merge(pair, limit: 3_000) }
        #expect(inOrder.threshold == grouped.threshold)
        #expect(inOrder.threshold < .max)
        #expect(Set(inOrder.values) == Set(grouped.values))
        #expect(inOrder.values.count <= 3_000 && inOrder.values.count > 1_000)
        #expect(zip(inOrder.values, inOrder.keys).allSatisfy { $1 <= inOrder.threshold })
    }
}
