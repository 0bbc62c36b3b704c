import Foundation
import LoomColumnar
import LoomStore

/// Makes the bundled sample datasets (`sample:iris`, ...) datasets every user sees: each
/// is ingested here, on the coordinator, into chunks and a profile, and stored ready, so
/// that workflows name them like any upload. Installing again skips those present.
public enum SampleInstaller {
    /// Installs the samples not yet stored; returns the ids it installed.
    @discardableResult
    public static func install(into datasets: Datasets) async throws -> [String] {
        let present = Set(try await datasets.list(for: UUID()).filter { $0.userID == nil }.map(\.name))
        var installed: [String] = []
        for entry in SampleDatasets.all where !present.contains(entry.id) {
            let path = try SampleDatasets.path(id: entry.id)
            var chunks: [StoredChunk] = []
            let ingestion = try CSVIngestor().ingest(path: path, target: entry.target) { chunk in
                guard let bytes = chunk.encoded else { return }
                chunks.append(StoredChunk(
                    index: Int32(chunk.index), rowCount: Int32(chunk.rowCount),
                    contentHash: Data(ChunkHash(chunk: bytes).bytes), bytes: Data(bytes)))
            }
            let id: UUID
            do {
                id = try await datasets.create(owner: nil, name: entry.id)
            } catch let error as PostgresError where error.sqlState == "23505" {
                continue  // another coordinator installed it meanwhile
            }
            try await datasets.beginIngestion(id)
            try await datasets.finishIngestion(
                id, chunks: chunks, profile: try JSONB(encoding: ingestion.profile), rowCount: Int64(ingestion.rowCount),
                columnCount: Int32(ingestion.schema.count), contentHash: datasetHash(chunks))
            installed.append(entry.id)
        }
        return installed
    }

    /// A dataset's content hash: the chunk hash scheme over its chunks' hashes in order.
    static func datasetHash(_ chunks: [StoredChunk]) -> Data {
        let hashes = chunks.flatMap { [UInt8]($0.contentHash) }
        return Data(ChunkHash(checksum: XXHash64.hash(hashes), second: XXHash64.hash(hashes, seed: ChunkHash.secondSeed)).bytes)
    }
}
