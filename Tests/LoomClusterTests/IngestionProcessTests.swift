import Foundation
import LoomColumnar
import LoomStore
import Testing

@Suite("ingestion with real processes", .serialized)
struct IngestionProcessTests {
    @Test("an uploaded CSV is ingested on a worker: the chunks decode to the local result, the dataset is ready with its profile")
    func ingestSample() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1")
        let user = try await store.user()
        let datasets = Datasets(pool: store.pool)
        let dataset = try await datasets.create(owner: user, name: "iris")
        let csv = try Data(contentsOf: URL(fileURLWithPath: SampleDatasets.path(id: "sample:iris")))
        // Three parts, cut anywhere: the worker joins them before parsing.
        let cuts = [0, csv.count / 3, 2 * csv.count / 3, csv.count]
        for part in 0..<3 { try await datasets.appendUpload(dataset, part: Int32(part), bytes: csv.subdata(in: cuts[part]..<cuts[part + 1])) }
        try await datasets.beginIngestion(dataset)
        let job = UUID()
        try await store.queue.submit(
            JobSubmission(id: job, userID: user, kind: .ingestion, datasetID: dataset, spec: JSONB(json: "{\"target\":\"species\",\"rowsPerChunk\":64}")))
        try await eventually("the ingestion completes", cluster: cluster) { try await store.status(job) == .completed }
        let record = try #require(try await datasets.get(dataset, for: user))
        #expect(record.status == .ready)
        #expect(record.rowCount == 150)
        #expect(record.profile != nil)
        var options = CSVOptions()
        options.rowsPerChunk = 64
        let local = try CSVIngestor(options: options).loadTable(path: SampleDatasets.path(id: "sample:iris"), target: "species")
        let chunks = try await datasets.chunkList(dataset)
        #expect(chunks.count == 3)
        var tables: [Table] = []
        for chunk in chunks {
            let bytes = try #require(try await datasets.chunk(hash: chunk.contentHash))
            tables.append(try ChunkDecoder().decode(Array(bytes)))
        }
        #expect(Table.joining(tables) == local.table)
        #expect(try await store.count("SELECT count(*) FROM job_output_chunks") == 0)
        await cluster.stopAll()
    }

    @Test("a CSV that cannot be read fails the job for good and the dataset with it")
    func badCSV() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let store = Store(url: url)
        try cluster.startCoordinator()
        try cluster.startWorker("w1")
        let user = try await store.user()
        let datasets = Datasets(pool: store.pool)
        let dataset = try await datasets.create(owner: user, name: "ragged")
        try await datasets.appendUpload(dataset, part: 0, bytes: Data("a,b\n1,2\n3\n".utf8))
        try await datasets.beginIngestion(dataset)
        let job = UUID()
        try await store.queue.submit(JobSubmission(id: job, userID: user, kind: .ingestion, datasetID: dataset))
        try await eventually("the ingestion fails", cluster: cluster) { try await store.status(job) == .failed }
        // The dataset fails in the statement that follows the job's failure.
        try await eventually("the dataset fails", cluster: cluster) { try await datasets.get(dataset, for: user)?.status == .failed }
        let record = try #require(try await datasets.get(dataset, for: user))
        #expect(record.errorMessage?.contains("invalid_data") == true, "\(record.errorMessage ?? "")")
        #expect(try await store.queue.job(job)?.attempt == 1)
        await cluster.stopAll()
    }
}
