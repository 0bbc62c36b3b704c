import Testing

@testable import LoomColumnar

@Suite("Chunk encoder and decoder")
struct ChunkCodecTests {
    @Test("random tables round-trip, compressed and raw", arguments: [0, 1, 7, 8, 9, 100, 1_000, 5_000])
    func roundTrip(rows: Int) throws {
        var generator = TableGenerator(seed: UInt64(rows) &+ 17)
        for _ in 0..<12 {
            let table = generator.table(rows: rows)
            for compresses in [true, false] {
                let chunk = try ChunkEncoder(compresses: compresses).encode(table)
                let decoded = try ChunkDecoder().decode(chunk)
                #expect(decoded == table)
                #expect(decoded.schema == table.schema)
                // Deterministic: the decoded table encodes to the same bytes.
                #expect(try ChunkEncoder(compresses: compresses).encode(decoded) == chunk)
            }
        }
    }

    @Test("a slice of rows encodes like a table of those rows")
    func rowRanges() throws {
        var generator = TableGenerator(seed: 5)
        let table = generator.table(rows: 1_000)
        for range in [0..<0, 0..<1, 3..<11, 13..<500, 999..<1_000] {
            let decoded = try ChunkDecoder().decode(try ChunkEncoder().encode(table, rows: range))
            #expect(decoded.rowCount == range.count)
            for (column, original) in zip(decoded.columns, table.columns) {
                for (row, source) in range.enumerated() {
                    #expect(column.isNull(row) == original.isNull(source))
                    if !column.isNull(row) {
                        switch (column.values, original.values) {
                        case (.float64(let a), .float64(let b)): #expect(a[row].bitPattern == b[source].bitPattern)
                        case (.int64(let a), .int64(let b)): #expect(a[row] == b[source])
                        case (.bool(let a), .bool(let b)): #expect(a[row] == b[source])
                        case (.string(let a), .string(let b)): #expect(a[row] == b[source])
                        default: Issue.record("type changed")
                        }
                    }
                }
            }
        }
    }

    @Test("chunks of a big table, encoded and decoded in parallel, rebuild it in order")
    func parallel() throws {
        var generator = TableGenerator(seed: 9)
        let table = generator.table(rows: 10_000)
        let chunks = try ChunkEncoder().encodeChunks(table, rowsPerChunk: 1_024, concurrency: 2)
        #expect(chunks.count == 10)
        let sequential = try ChunkEncoder.chunkRanges(rowCount: 10_000, rowsPerChunk: 1_024).map { try ChunkEncoder().encode(table, rows: $0) }
        #expect(chunks == sequential)
        let tables = try ChunkDecoder().decodeChunks(chunks, concurrency: 2)
        #expect(tables.map(\.rowCount).reduce(0, +) == 10_000)
    }

    @Test("decimals, small integers and few distinct strings take little space")
    func compactEncodings() throws {
        let rows = 65_536
        var random = SeededRandom(seed: 1)
        let prices = (0..<rows).map { _ in Double(Int.random(in: 0..<1_000_000, using: &random)) / 1000 }
        let counts = (0..<rows).map { _ in Int64.random(in: 0..<100, using: &random) }
        let cities = StringArray.dictionaryEncoded((0..<rows).map { _ in ["paris", "lyon", "nice", "lille"][Int.random(in: 0..<4, using: &random)] })
        let table = try Table(columns: [.float64("price", prices), .int64("count", counts), try .string("city", cities)])
        let chunk = try ChunkEncoder().encode(table)
        // 20 + 7 + 2 bits per row, plus headers.
        #expect(chunk.count < rows * 30 / 8 + 1_000)
        #expect(try ChunkDecoder().decode(chunk) == table)
    }

    @Test("NaN, infinities and -0.0 among decimals are kept as exceptions, not a reason for plain")
    func decimalExceptions() throws {
        let rows = 4_096
        var values = (0..<rows).map { Double($0 % 1_000) / 100 }
        values[3] = -0.0
        values[100] = .nan
        values[2_000] = -.infinity
        let table = try Table(columns: [.float64("x", values)])
        let chunk = try ChunkEncoder().encode(table)
        #expect(chunk.count < rows * 2, "packed decimals, not 8 bytes a value")
        let decoded = try ChunkDecoder().decode(chunk)
        #expect(decoded == table)
        #expect(decoded["x"]?.doubles?[3].sign == .minus)
    }

    @Test("a large dictionary is cut down to the entries a chunk uses")
    func dictionaryCompaction() throws {
        let values = (0..<1_000).map { "value-\($0)" }
        let table = try Table(columns: [try .string("s", StringArray.dictionaryEncoded(values))])
        let chunk = try ChunkEncoder().encode(table, rows: 10..<20)
        let decoded = try ChunkDecoder().decode(chunk)
        guard case .dictionary(let entries, _)? = decoded["s"]?.strings?.storage else {
            Issue.record("expected dictionary storage")
            return
        }
        #expect(entries == Array(values[10..<20]))
        #expect(Array(decoded["s"]!.strings!) == Array(values[10..<20]))
    }

    @Test("every single flipped bit is caught by the checksum")
    func bitFlips() throws {
        var generator = TableGenerator(seed: 77)
        let chunk = try ChunkEncoder().encode(generator.table(rows: 50))
        for index in chunk.indices {
            for bit in 0..<8 {
                var damaged = chunk
                damaged[index] ^= 1 << UInt8(bit)
                #expect(throws: ChunkError.self) { try ChunkDecoder().decode(damaged) }
                if index < chunk.count - 8 {
                    guard case .checksumMismatch? = Result(catching: { try ChunkDecoder().decode(damaged) }).failure as? ChunkError else {
                        Issue.record("byte \(index) bit \(bit): not a checksum error")
                        continue
                    }
                }
            }
        }
    }

    @Test("truncated chunks throw")
    func truncation() throws {
        var generator = TableGenerator(seed: 78)
        let chunk = try ChunkEncoder().encode(generator.table(rows: 40))
        for length in 0..<chunk.count {
            #expect(throws: ChunkError.self) { try ChunkDecoder().decode(Array(chunk.prefix(length))) }
        }
    }

    /// Damage behind a recomputed checksum reaches the parser itself: it must throw
    /// ChunkError, never trap, and never allocate beyond the budget.
    @Test("mutated chunks with a valid checksum only throw ChunkError")
    func hostileChunks() throws {
        var generator = TableGenerator(seed: 79)
        var random = SeededRandom(seed: 80)
        let samples = try (0..<20).map { _ in try ChunkEncoder().encode(generator.table(rows: Int.random(in: 0...300, using: &random))) }
        let decoder = ChunkDecoder(maxRows: 100_000, maxDecodedBytes: 1 << 22)
        var decoded = 0
        for round in 0..<5_000 {
            var bytes = samples[round % samples.count]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<(bytes.count - 8), using: &random)
                bytes[index] = round % 2 == 0 ? bytes[index] ^ (1 << UInt8.random(in: 0..<8, using: &random)) : UInt8.random(in: 0...255, using: &random)
            }
            resign(&bytes)
            if (try? decoder.decode(bytes)) != nil { decoded += 1 }
        }
        #expect(decoded < 5_000)
    }

    @Test("hostile lengths are refused before allocating")
    func hostileLengths() throws {
        let table = try Table(columns: [.float64("x", (0..<1_000).map { Double($0).squareRoot() })])
        var chunk = try ChunkEncoder(compresses: false).encode(table)
        // Claim 2^32-1 rows.
        chunk.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFF])
        resign(&chunk)
        #expect(throws: ChunkError.tooManyRows(Int(UInt32.max), limit: 1 << 24)) { try ChunkDecoder().decode(chunk) }
        #expect(throws: ChunkError.decodedSizeLimit(limit: 1_000)) {
            try ChunkDecoder(maxDecodedBytes: 1_000).decode(try ChunkEncoder().encode(table))
        }
    }

    private func resign(_ bytes: inout [UInt8]) {
        let body = bytes.count - 8
        let checksum = bytes.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
        for index in 0..<8 { bytes[body + index] = UInt8(truncatingIfNeeded: checksum >> UInt64(8 * index)) }
    }

    @Test("the content hash names the bytes and its first half is the checksum")
    func contentHash() throws {
        let table = try Table(columns: [.int64("n", [1, 2, 3])])
        let chunk = try ChunkEncoder().encode(table)
        let hash = ChunkHash(chunk: chunk)
        let trailer = chunk.suffix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
        #expect(hash.checksum == trailer)
        #expect(ChunkHash(bytes: hash.bytes) == hash)
        #expect(hash.description.count == 32)
        let other = try ChunkEncoder().encode(try Table(columns: [.int64("n", [1, 2, 4])]))
        #expect(ChunkHash(chunk: other) != hash)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
