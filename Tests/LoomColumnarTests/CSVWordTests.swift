import Foundation
import Testing

@testable import LoomColumnar

/// The word-at-a-time scanners and number parsers hold to the byte-by-byte answers, and
/// numbers to `Double(String)`, bit for bit.
@Suite("CSV ingestion: eight bytes at a time")
struct CSVWordTests {
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            return mix64(state)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// The byte-by-byte answers the word functions must match.
    static func leadingDigits(_ bytes: [UInt8]) -> Int { bytes.prefix(8).prefix { $0 >= 48 && $0 <= 57 }.count }

    @Test("leading digits and their value, for every byte after a run of digits")
    func digitsOfAWord() {
        var random = Random(state: 1)
        for digits in 0...8 {
            for stopByte in 0...255 {
                var bytes = (0..<8).map { _ in UInt8(48 + random.below(10)) }
                if digits < 8 {
                    bytes[digits] = UInt8(stopByte)
                    for index in (digits + 1)..<8 { bytes[index] = UInt8(random.below(256)) }
                }
                let word = bytes.withUnsafeBytes { CSVWord.load($0.baseAddress!, at: 0) }
                let expected = Self.leadingDigits(bytes)
                #expect(CSVWord.leadingDigits(word) == expected, "\(bytes)")
                if expected > 0 {
                    let value = bytes.prefix(expected).reduce(UInt64(0)) { $0 * 10 + UInt64($1 - 48) }
                    #expect(CSVWord.digitsValue(word, count: expected) == value, "\(bytes)")
                }
            }
        }
        for exponent in 0...7 { #expect(CSVWord.powerOfTen(exponent) == (0..<exponent).reduce(1) { value, _ in value * 10 }) }
    }

    @Test("the stop finder stops where the byte-by-byte scan stops", arguments: [UInt8(ascii: ","), UInt8(ascii: ";"), 9])
    func stopFinder(delimiter: UInt8) {
        var random = Random(state: UInt64(delimiter))
        let table = CSVCharacterClass.table(delimiter: delimiter)
        let finder = CSVStopFinder(delimiter: delimiter)
        let stops: [UInt8] = [delimiter, 10, 13, UInt8(ascii: "\"")]
        for _ in 0..<20_000 {
            let length = random.below(40)
            var bytes = (0..<length).map { _ in UInt8(random.below(256)) }
            // Mostly no stop for a while, then one of the four, sometimes none at all.
            for index in bytes.indices where stops.contains(bytes[index]) { bytes[index] = 0x80 }
            if length > 0, random.below(4) != 0 { bytes[random.below(length)] = stops[random.below(4)] }
            let start = length == 0 ? 0 : random.below(length)
            let expected = bytes[start...].firstIndex { table[Int($0)] == CSVCharacterClass.stop } ?? length
            let found = bytes.withUnsafeBytes { raw in
                table.withUnsafeBufferPointer { table in
                    finder.stop(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, from: start, count: length, table: table.baseAddress!)
                }
            }
            #expect(found == expected, "\(bytes) from \(start)")
        }
    }

    /// Decimal texts of every shape the fast paths meet, and some they must refuse.
    static func decimalText(_ random: inout Random) -> String {
        let integerDigits = random.below(10)
        let fractionDigits = random.below(3) == 0 ? -1 : random.below(10)  // -1: no point
        var text = random.below(2) == 0 ? "-" : ""
        for _ in 0..<integerDigits { text += String(random.below(10)) }
        if fractionDigits >= 0 {
            text += "."
            for _ in 0..<fractionDigits { text += String(random.below(10)) }
        }
        return text
    }

    @Test("fast decimals are Double(String) bit for bit, or left to the general path, at any position")
    func fastDecimals() {
        var random = Random(state: 42)
        let powers = PowersOfTen()
        var fastCount = 0
        for _ in 0..<100_000 {
            let text = Self.decimalText(&random)
            // A field followed by a delimiter and then either many bytes (the word path) or
            // the end of the block (the byte path).
            let tail = random.below(2) == 0 ? ",1,2,3,4,5,6,7,8,9,0" : ","
            let bytes = Array((text + tail).utf8)
            let parsed = bytes.withUnsafeBytes { CSVFastNumber.double($0.baseAddress!, from: 0, count: $0.count, powersOfTen: powers.table) }
            let digits = text.filter(\.isNumber).count
            guard let (value, end, digits) = parsed else {
                // Refused: no digits, or more than 15 of them.
                #expect(digits == 0 || digits > 15, "\(text)")
                continue
            }
            fastCount += 1
            #expect(end == text.utf8.count, "\(text)")
            // The places that matter: the fraction without its trailing zeros.
            let fraction = text.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first ?? ""
            #expect(digits.scale == fraction.reversed().drop { $0 == "0" }.count, "\(text)")
            let expected = Double(text.hasSuffix(".") ? text + "0" : (text.hasPrefix("-.") || text.hasPrefix(".") ? text.replacingOccurrences(of: ".", with: "0.") : text))!
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) != \(expected)")
        }
        #expect(fastCount > 50_000)
    }

    @Test("fast integers are Int64(String), or left to the general path")
    func fastIntegers() {
        var random = Random(state: 7)
        for _ in 0..<50_000 {
            let digits = random.below(21)
            var text = random.below(2) == 0 ? "-" : ""
            for _ in 0..<digits { text += String(random.below(10)) }
            let tail = random.below(2) == 0 ? "\n123456789" : "\n"
            let bytes = Array((text + tail).utf8)
            let parsed = bytes.withUnsafeBytes { CSVFastNumber.integer($0.baseAddress!, from: 0, count: $0.count) }
            guard let (value, end) = parsed else {
                #expect(digits == 0 || digits > 18, "\(text)")
                continue
            }
            #expect(end == text.utf8.count)
            #expect(value == Int64(text)!, "\(text)")
        }
    }

    @Test("pass one's shape agrees with the byte-by-byte reading")
    func shapes() {
        var random = Random(state: 9)
        for _ in 0..<50_000 {
            let text = Self.decimalText(&random) + (random.below(5) == 0 ? "e5" : "")
            let bytes = Array((text + ",tail-of-the-row\n").utf8)
            let shape = bytes.withUnsafeBytes { CSVFastNumber.shape($0.baseAddress!, from: 0, count: $0.count) }
            let body = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            let integerPart = body.prefix { $0.isNumber }
            let rest = body.dropFirst(integerPart.count)
            let hasPoint = rest.first == "."
            let fraction = hasPoint ? rest.dropFirst().prefix { $0.isNumber } : ""
            #expect(shape.hasPoint == hasPoint, "\(text)")
            #expect(shape.digits == integerPart.count + fraction.count, "\(text)")
            #expect(shape.end == text.utf8.count - rest.utf8.count + (hasPoint ? 1 + fraction.count : 0), "\(text)")
        }
    }

    @Test("a CSV of random decimals reads as Double(String), on one thread and three")
    func decimalsThroughIngestion() throws {
        var random = Random(state: 3)
        var values: [String] = []
        var text = "a,b\n"
        for row in 0..<20_000 {
            var value = Self.decimalText(&random)
            if value.filter(\.isNumber).isEmpty { value = "0" }
            if value.hasSuffix(".") || value.hasPrefix(".") || value.hasPrefix("-.") { value = "1.5" }
            // At most 15 digits, so every chunk but the last is read by the fast path alone.
            if value.filter(\.isNumber).count > 15 { value = "7.25" }
            values.append(value)
            text += "\(value),\(row)\n"
        }
        // Some chunks with a value only the general path reads (an exponent, a missing value).
        text += "1e3,1\nNA,2\n"
        values += ["1e3", "nan"]
        for concurrency in [1, 3] {
            let options = CSVOptions(rowsPerChunk: 999, concurrency: concurrency)
            let (chunks, ingestion) = try CSVFixtures.ingest(text: text, options: options)
            // The scales the fast path found give the bytes the encoder's own search gives.
            let tables = try CSVFixtures.tables(chunks)
            for (chunk, table) in zip(chunks, tables) { #expect(try ChunkEncoder().encode(table) == chunk.encoded) }
            let table = Table.concatenating(tables, schema: ingestion.schema)
            let parsed = table["a"]!.doubleValues
            for (index, value) in values.enumerated() where value != "nan" && parsed[index]?.bitPattern != Double(value)!.bitPattern {
                Issue.record("row \(index): \(value) read as \(String(describing: parsed[index]))")
            }
            #expect(parsed.last! == nil)
        }
    }

    @Test("blocks split inside and around quoted newlines give the same chunks on 1, 2 and 4 threads")
    func quotedNewlinesAcrossBlocks() throws {
        var random = Random(state: 5)
        var text = "id,note,x\n"
        var notes: [String] = []
        for row in 0..<3_000 {
            let note: String
            switch random.below(4) {
            case 0: note = "plain \(row)"
            case 1: note = "line one\nline \"two\", \(row)"
            case 2: note = String(repeating: "\n", count: random.below(3) + 1) + "\(row)"
            default: note = "\"quoted\"\r\n\(row)"
            }
            notes.append(note)
            let needsQuotes = note.contains("\n") || note.contains(",") || note.contains("\"")
            let field = needsQuotes ? "\"" + note.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : note
            text += "\(row),\(field),\(row).5\n"
        }
        var results: [[Table]] = []
        for concurrency in [1, 2, 4] {
            var ingestor = CSVIngestor(options: CSVOptions(rowsPerChunk: 97, concurrency: concurrency))
            ingestor.blockBytes = 1_000  // blocks far smaller than chunks: boundaries everywhere
            var chunks: [CSVChunk] = []
            let ingestion = try ingestor.ingest(CSVMemorySource(text)) { chunks.append($0) }
            #expect(ingestion.rowCount == 3_000)
            let tables = try CSVFixtures.tables(chunks)
            let table = Table.concatenating(tables, schema: ingestion.schema)
            #expect(table["id"]!.integerValues == (0..<3_000).map { Int64($0) })
            #expect(table["note"]!.stringValues == notes)
            #expect(table["x"]!.doubleValues == (0..<3_000).map { Double($0) + 0.5 })
            #expect(try CSVFixtures.unencodedTables(text: text, options: ingestor.options, ingestor: ingestor) == tables)
            results.append(tables)
        }
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
    }

    @Test("HyperLogLog: adding hashes in bulk sets the registers one by one would")
    func sketchBulkAdd() {
        var random = Random(state: 11)
        // Some hashes with every bit below the index zero, where the rank reaches its cap.
        let hashes = (0..<50_000).map { index in index % 10 == 0 ? random.next() & ~((1 << 50) - 1) : random.next() }
        var single = HyperLogLog()
        for hash in hashes { single.add(hash: hash) }
        var bulk = HyperLogLog()
        hashes.withUnsafeBufferPointer { bulk.add(hashes: $0) }
        #expect(bulk == single)
    }

    @Test("decimal columns whose scale grows late, with nulls and exceptions, round-trip")
    func decimalScaleGrowsLate() throws {
        var values: [Double?] = (0..<5_000).map { Double($0 % 97) }
        values[10] = nil
        values[20] = -0.0
        values[3_000] = 0.25
        values[3_001] = nil
        values[4_000] = 1.125
        values[4_500] = .nan
        values[4_999] = -7.5
        let column = Column.float64("x", values)
        let table = try Table(columns: [column])
        let encoded = try ChunkEncoder().encode(table)
        let decoded = try ChunkDecoder().decode(encoded)
        let read = decoded["x"]!.doubleValues
        #expect(read.count == values.count)
        for (index, value) in values.enumerated() {
            #expect(read[index]?.bitPattern == value?.bitPattern, "row \(index)")
        }
    }

    @Test("missing tokens are found whatever their first byte, and words that only share a length are not")
    func missingTokenFilter() throws {
        let text = "w,x\nmissing,1.5\nMissIng,2.5\n-,-\nÑ/A,?\nñ/a,4.5\nMISSINH,5.5\nmassive,6.5\nA,?\n"
        let ascii = try CSVIngestor(options: CSVOptions(missingTokens: ["MISSING", "-", "?"])).loadTable(CSVMemorySource(text)).table
        #expect(ascii["w"]!.stringValues == [nil, nil, nil, "Ñ/A", "ñ/a", "MISSINH", "massive", "A"])
        #expect(ascii["x"]!.doubleValues == [1.5, 2.5, nil, nil, 4.5, 5.5, 6.5, nil])
        // A token that starts with a non-ASCII byte turns the first-byte filter off.
        let other = try CSVIngestor(options: CSVOptions(missingTokens: ["MISSING", "-", "ñ/a", "?"])).loadTable(CSVMemorySource(text)).table
        // "Ñ/A" is not "ñ/a" under ASCII case folding: it stays a word.
        #expect(other["w"]!.stringValues == [nil, nil, nil, "Ñ/A", nil, "MISSINH", "massive", "A"])
        #expect(other["x"]!.doubleValues == ascii["x"]!.doubleValues)
    }

    @Test("the byte dictionary tells apart strings of every length, trailing zero bytes included")
    func dictionaryShortKeys() {
        var strings: [[UInt8]] = []
        for length in 0...20 {
            strings.append((0..<length).map { UInt8(97 + $0 % 26) })
            strings.append([UInt8](repeating: 0, count: length))  // only the length tells these apart
            if length > 0 { strings.append((0..<length).map { $0 == length - 1 ? 0x7A : UInt8(97 + $0 % 26) }) }
        }
        var unique: [[UInt8]] = []
        for string in strings where !unique.contains(string) { unique.append(string) }
        var dictionary = ByteDictionary()
        for round in 0..<3 {
            for (index, string) in unique.enumerated() {
                // Read from the middle of a larger buffer: the loads must stay within the string.
                let padded = [0xFF, 0xFF] + string + [0xFF, 0xFF]
                let code = padded.withUnsafeBytes { dictionary.add(UnsafeRawBufferPointer(rebasing: $0[2..<(2 + string.count)])) }
                #expect(code == UInt32(index), "round \(round), \(string)")
            }
        }
        #expect(dictionary.count == unique.count)
        #expect(dictionary.counts == [Int](repeating: 3, count: unique.count))
        #expect((0..<unique.count).map { Array(dictionary.entryBytes($0)) } == unique)
    }
}
