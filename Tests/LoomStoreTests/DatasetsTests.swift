import Foundation
import Testing

@testable import LoomStore

@Suite("Datasets: uploads in parts, chunks through COPY, visibility")
struct DatasetsTests {
    static func chunk(_ index: Int32, size: Int) -> StoredChunk {
        let bytes = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(index)) })
        return StoredChunk(index: index, rowCount: Int32(size / 10), contentHash: Data("hash-\(index)".utf8), bytes: bytes)
    }

    @Test("an upload streams in parts, then ingestion stores every chunk and the profile at once")
    func uploadAndIngest() async throws {
        let pool = try await TestDatabase.makeMigrated()
        let datasets = Datasets(pool: pool)
        let owner = try await makeUser(pool)
        let id = try await datasets.create(owner: owner.id, name: "iris.csv")
        try await datasets.appendUpload(id, part: 0, bytes: Data("a,b\n".utf8))
        try await datasets.appendUpload(id, part: 1, bytes: Data("1,2\n".utf8))
        #expect(try await datasets.uploadParts(id) == [0, 1])
        #expect(try await datasets.uploadPart(id, part: 1) == Data("1,2\n".utf8))
        #expect(try await datasets.get(id, for: owner.id)?.byteCount == 8)

        try await datasets.beginIngestion(id)
        await #expect(throws: DatasetError.wrongStatus(id, .ingesting)) {
            try await datasets.appendUpload(id, part: 2, bytes: Data("late".utf8))
        }
        let chunks = [Self.chunk(0, size: 3_000_000), Self.chunk(1, size: 10), Self.chunk(2, size: 0)]
        try await datasets.finishIngestion(
            id, chunks: chunks, profile: JSONB(json: #"{"rows": 1}"#), rowCount: 1, columnCount: 2, contentHash: Data([9])
        )
        let record = try #require(try await datasets.get(id, for: owner.id))
        #expect(record.status == .ready)
        #expect(record.profile == JSONB(json: #"{"rows": 1}"#))
        #expect(try await datasets.chunkList(id).map(\.index) == [0, 1, 2])
        #expect(try await datasets.chunk(hash: Data("hash-0".utf8)) == chunks[0].bytes)
        #expect(try await datasets.chunk(hash: Data("hash-2".utf8)) == Data())
        #expect(try await datasets.chunk(hash: Data("nope".utf8)) == nil)
    }

    @Test("a failing ingestion stores no chunk at all")
    func ingestionIsAllOrNothing() async throws {
        let pool = try await TestDatabase.makeMigrated()
        let datasets = Datasets(pool: pool)
        let owner = try await makeUser(pool)
        let id = try await datasets.create(owner: owner.id, name: "broken.csv")
        try await datasets.beginIngestion(id)
        // Two chunks with the same index: the COPY fails on the primary key.
        let error = await #expect(throws: PostgresError.self) {
            try await datasets.finishIngestion(
                id, chunks: [Self.chunk(0, size: 100), Self.chunk(0, size: 100)], profile: JSONB(json: "{}"),
                rowCount: 0, columnCount: 0, contentHash: Data()
            )
        }
        #expect(error?.sqlState == "23505")
        #expect(try await datasets.chunkList(id).isEmpty)
        #expect(try await datasets.get(id, for: owner.id)?.status == .ingesting)

        // Finishing a dataset that is not ingesting rolls its chunks back too.
        try await datasets.failIngestion(id, error: "line 3, column 2: unterminated quote")
        await #expect(throws: DatasetError.wrongStatus(id, .failed)) {
            try await datasets.finishIngestion(
                id, chunks: [Self.chunk(0, size: 100)], profile: JSONB(json: "{}"), rowCount: 0, columnCount: 0, contentHash: Data()
            )
        }
        #expect(try await datasets.chunkList(id).isEmpty)
        #expect(try await datasets.get(id, for: owner.id)?.errorMessage == "line 3, column 2: unterminated quote")
    }

    @Test("users see their own datasets and the samples, and delete only their own")
    func visibility() async throws {
        let pool = try await TestDatabase.makeMigrated()
        let datasets = Datasets(pool: pool)
        let alice = try await makeUser(pool)
        let bob = try await makeUser(pool)
        let sample = try await datasets.create(owner: nil, name: "sample:iris")
        let mine = try await datasets.create(owner: alice.id, name: "alice.csv")
        #expect(Set(try await datasets.list(for: alice.id).map(\.id)) == [sample, mine])
        #expect(try await datasets.list(for: bob.id).map(\.id) == [sample])
        #expect(try await datasets.get(mine, for: bob.id) == nil)
        await #expect(throws: DatasetError.unknownDataset(mine)) { try await datasets.delete(mine, for: bob.id) }
        await #expect(throws: DatasetError.unknownDataset(sample)) { try await datasets.delete(sample, for: alice.id) }
        try await datasets.delete(mine, for: alice.id)
        #expect(try await datasets.get(mine, for: alice.id) == nil)
    }

    @Test("COPY checks row widths and quotes identifiers")
    func copyInputs() async throws {
        let pool = PostgresPool(.init(url: try TestDatabase.makeEmpty(), size: 1))
        let written = try await pool.withConnection { connection in
            try connection.execute(#"CREATE TABLE "odd name" ("the id" int, note text, at timestamptz)"#)
            let error = #expect(throws: PostgresError.self) {
                try connection.copyIn(table: "odd name", columns: ["the id", "note"], rows: [[Int32(1)]])
            }
            #expect(error?.kind == .usage)
            return try connection.copyIn(
                table: "odd name", columns: ["the id", "note", "at"],
                rows: (0..<50_000).map { [Int32($0), $0 % 2 == 0 ? "x'y" : String?.none, Date(timeIntervalSince1970: 0)] }
            )
        }
        #expect(written == 50_000)
        let counts = try await pool.withConnection { connection in
            let row = try connection.query(#"SELECT count(*), count(note), min(at) FROM "odd name""#)[0]
            return (try row.decode(0, as: Int.self), try row.decode(1, as: Int.self), try row.decode(2, as: Date.self))
        }
        #expect(counts.0 == 50_000)
        #expect(counts.1 == 25_000)
        #expect(counts.2 == Date(timeIntervalSince1970: 0))
        await pool.close()
    }
}
