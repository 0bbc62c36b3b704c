import Foundation
import Testing

@testable import LoomColumnar

/// The fast paths read plain rows straight from the bytes; every other row goes through
/// the tokenizer. These tests hold the two to the same answers.
@Suite("CSV ingestion: fast and general paths agree")
struct CSVFastPathTests {
    /// Seeded rows of floats, ints and a few repeated words.
    static func rows(_ count: Int, seed: UInt64) -> [[String]] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return mix64(state)
        }
        let words = ["Paris", "Nice", "Nantes", "Lyon", "N/A-ish", "nul"]
        return (0..<count).map { _ in
            let digits = Int(next() % 15) + 1
            let mantissa = next() % 1_000_000_000_000_000
            var decimal = String(mantissa % UInt64(pow(10, Double(digits))))
            let point = Int(next() % UInt64(decimal.count + 1))
            decimal.insert(".", at: decimal.index(decimal.startIndex, offsetBy: point))
            let sign = next() % 2 == 0 ? "-" : ""
            let integer = Int64(bitPattern: next()) >> Int64(next() % 64)
            return [sign + decimal, String(integer), words[Int(next() % UInt64(words.count))]]
        }
    }

    static func csv(_ rows: [[String]], quoted: Bool, lineEnd: String = "\n") -> String {
        "x,n,word" + lineEnd + rows.map { row in
            row.map { quoted ? "\"\($0)\"" : $0 }.joined(separator: ",") + lineEnd
        }.joined()
    }

    @Test("plain rows read as every field quoted reads (the general path)")
    func plainMatchesQuoted() throws {
        let rows = Self.rows(5_000, seed: 7)
        let options = CSVOptions(rowsPerChunk: 1_000)
        let plain = try CSVFixtures.ingest(text: Self.csv(rows, quoted: false), options: options)
        let quoted = try CSVFixtures.ingest(text: Self.csv(rows, quoted: true), options: options)
        let crlf = try CSVFixtures.ingest(text: Self.csv(rows, quoted: false, lineEnd: "\r\n"), options: options)
        #expect(plain.ingestion.schema.map(\.type) == [.float64, .int64, .string])
        #expect(try CSVFixtures.tables(plain.chunks) == CSVFixtures.tables(quoted.chunks))
        #expect(plain.chunks.map(\.encoded) == quoted.chunks.map(\.encoded))
        #expect(try CSVFixtures.tables(plain.chunks) == CSVFixtures.tables(crlf.chunks))
        #expect(plain.ingestion.profile.columns == quoted.ingestion.profile.columns)
    }

    @Test("decimals of up to 15 digits are the correctly rounded double")
    func correctlyRounded() throws {
        let rows = Self.rows(20_000, seed: 11)
        let table = try CSVIngestor().loadTable(CSVMemorySource(Self.csv(rows, quoted: false))).table
        let parsed = table["x"]!.doubleValues
        for (index, row) in rows.enumerated() {
            #expect(parsed[index]?.bitPattern == Double(row[0])!.bitPattern, "\(row[0])")
        }
        #expect(table["n"]!.integerValues == rows.map { Int64($0[1])! })
        #expect(table["word"]!.stringValues == rows.map { $0[2] })
    }

    @Test("rows the fast path gives up on halfway are written once, by the general path")
    func abandonedRows() throws {
        // Each odd row has something only the general path reads, after plain fields.
        let text = """
            s,x,n,t
            a,1.5,1,p
            b,2.5,2,"q, quoted"
            c,3.5,3,r\rlone CR
            d,NA,4,s
            e,5.5,+5,t
            f,6e1,6,u
            g,7.5,7,v

            h, 8.5 ,8,w

            """ + String(repeating: "i,9,9,p\n", count: 8)
        let table = try CSVIngestor().loadTable(CSVMemorySource(text)).table
        #expect(table["s"]!.stringValues == ["a", "b", "c", "d", "e", "f", "g", "h"] + Array(repeating: "i", count: 8))
        #expect(table["x"]!.doubleValues == [1.5, 2.5, 3.5, nil, 5.5, 60, 7.5, 8.5] + Array(repeating: 9, count: 8))
        #expect(table["n"]!.integerValues == [1, 2, 3, 4, 5, 6, 7, 8] + Array(repeating: 9, count: 8))
        #expect(table["t"]!.stringValues == ["p", "q, quoted", "r\rlone CR", "s", "t", "u", "v", "w"] + Array(repeating: "p", count: 8))
        // Only the entries rows really hold: no "r" left behind by the row the fast path
        // read up to its lone CR.
        guard case .dictionary(let entries, _) = table["t"]!.strings!.storage else {
            Issue.record("t should be dictionary-encoded")
            return
        }
        #expect(entries == ["p", "q, quoted", "r\rlone CR", "s", "t", "u", "v", "w"])
    }

    @Test("a string column that outgrows its dictionary mid-chunk keeps every row once")
    func dictionaryToPlain() throws {
        var text = "k,v\n"
        for row in 0..<300 { text += row % 3 == 0 ? "\"key \(row)\",\(row)\n" : "key \(row),\(row)\n" }
        let options = CSVOptions(maxDictionaryEntries: 16)
        let table = try CSVIngestor(options: options).loadTable(CSVMemorySource(text)).table
        #expect(table["k"]!.stringValues == (0..<300).map { "key \($0)" })
        #expect(table["v"]!.integerValues == (0..<300).map { Int64($0) })
    }
}
