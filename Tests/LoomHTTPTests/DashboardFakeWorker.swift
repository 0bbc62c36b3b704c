import Foundation
import LoomColumnar
import LoomML
import LoomWorkflow
import Testing

@testable import LoomHTTP
@testable import LoomStore

/// Stands in for a worker until the cluster's workers exist: leases a job as an unknown
/// worker id and does the job on this machine, writing every result through the store's
/// worker write path (fenced node statuses, events, artifacts, completion), so that the
/// dashboard sees what it will see from a real worker.
struct DashboardFakeWorker {
    let services: APIServices
    let id = UUID()

    /// Leases the next job, waiting for one to be queued.
    func lease() async throws -> JobLease {
        for _ in 0..<200 {
            if let lease = try await services.queue.lease(worker: id, limit: 1).first { return lease }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError("no job was queued")
    }

    /// An ingestion job: the uploaded parts become chunks and a profile, as SampleInstaller does.
    func ingest(_ lease: JobLease) async throws {
        let dataset = try #require(lease.datasetID)
        var bytes = Data()
        for part in try await services.datasets.uploadParts(dataset) {
            bytes.append(try await services.datasets.uploadPart(dataset, part: part))
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("loom-ingest-\(UUID().uuidString).csv")
        try bytes.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var chunks: [StoredChunk] = []
        let ingestion = try CSVIngestor().ingest(path: file.path) { chunk in
            guard let encoded = chunk.encoded else { return }
            chunks.append(StoredChunk(
                index: Int32(chunk.index), rowCount: Int32(chunk.table.rowCount),
                contentHash: Data(ChunkHash(chunk: encoded).bytes), bytes: Data(encoded)))
        }
        try await services.datasets.finishIngestion(
            dataset, chunks: chunks, profile: try JSONB(encoding: ingestion.profile), rowCount: Int64(ingestion.rowCount),
            columnCount: Int32(ingestion.schema.count), contentHash: SampleInstaller.datasetHash(chunks))
        #expect(try await services.queue.complete(jobID: lease.jobID, token: lease.token, cost: 0) == .applied)
    }

    /// A workflow job, run for real by the executor on `files` (dataset reference → CSV path).
    /// `pause(event)` is awaited after each event is stored: a test holds the run there to
    /// look at the page mid-run.
    func run(
        _ lease: JobLease, files: [String: String], pause: @escaping @Sendable (WorkflowEvent) async -> Void = { _ in }
    ) async throws {
        let snapshotID = try #require(lease.snapshotID)
        let snapshot = try #require(try await services.workflows.snapshot(snapshotID, owner: lease.userID))
        let workflow = Workflow(nodes: try snapshot.nodes.decode([WorkflowNode].self), edges: try snapshot.edges.decode([WorkflowEdge].self))
        let plan = try WorkflowValidator().validate(workflow)
        let (events, sink) = AsyncStream<WorkflowEvent>.makeStream()
        let executor = WorkflowExecutor(plan: plan, datasets: LocalDatasets(overrides: files))
        let running = Task { () -> WorkflowResult in
            let result = await executor.run(onEvent: { _ = sink.yield($0) })
            sink.finish()
            return result
        }
        for await event in events {
            try await store(event, lease)
            await pause(event)
        }
        let result = await running.value
        #expect(try await services.queue.complete(jobID: lease.jobID, token: lease.token, cost: result.creditCost) == .applied)
    }

    private func store(_ event: WorkflowEvent, _ lease: JobLease) async throws {
        let queue = services.queue
        func append(_ type: String, _ payload: [String: JSONValue]) async throws {
            var payload = payload
            payload["job_id"] = .string(lease.jobID.uuidString.lowercased())
            payload["timestamp"] = .string(Date().formatted(.iso8601))
            _ = try await queue.appendEvents([.init(jobID: lease.jobID, token: lease.token, type: type, payload: try JSONB(encoding: payload))])
        }
        switch event {
        case .nodeStatus(let node, let state, let duration, let message):
            let status = NodeStatus(rawValue: state.rawValue)!
            let error = state == .failed ? message : nil
            #expect(try await queue.setNodeStatus(jobID: lease.jobID, token: lease.token, nodeID: node, status: status, error: error) == .applied)
            var payload: [String: JSONValue] = ["node_id": .string(node), "status": .string(state.rawValue)]
            if let duration { payload["duration_seconds"] = .number(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) }
            if let error { payload["error"] = .string(error) }
            try await append("node_status", payload)
        case .nodeProgress(let node, let fraction, let message):
            try await append("node_progress", ["node_id": .string(node), "progress": .number(fraction), "message": .string(message)])
        case .metrics(let node, let report):
            var payload = try JSONDecoder().decode([String: JSONValue].self, from: JSONEncoder().encode(report))
            payload["node_id"] = .string(node)
            try await append("metrics", payload)
        case .plot(let plot):
            #expect(try await queue.storeArtifact(
                jobID: lease.jobID, token: lease.token, nodeID: plot.nodeID, name: plot.name, contentType: plot.contentType,
                bytes: Data(plot.bytes)) == .applied)
        case .predictions:
            break
        }
    }
}
