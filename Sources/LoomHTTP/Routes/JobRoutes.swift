import Foundation
import Hummingbird
import LoomColumnar
import LoomML
import LoomStore
import LoomWorkflow

/// Jobs: list with filters, get, nodes, cancel, retry, results, artifacts, predictions;
/// snapshots: get and re-run. Another user's job is not found (404), like a missing one.
struct JobRoutes {
    let configuration: APIConfiguration
    let services: APIServices

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("jobs") { request, context in try await list(request, context) }
        group.get("jobs/:id") { _, context in try JSONBody.response(JobView(try await job(context))) }
        group.get("jobs/:id/nodes") { _, context in
            let job = try await job(context)
            return try JSONBody.response(try await services.queue.nodes(of: job.id).map(NodeView.init))
        }
        group.post("jobs/:id/cancel") { _, context in try await cancel(context) }
        group.post("jobs/:id/retry") { _, context in try await retry(context) }
        group.get("jobs/:id/results") { _, context in try await results(context) }
        group.get("jobs/:id/artifacts") { _, context in
            let job = try await job(context)
            let artifacts = try await services.queue.artifacts(of: job.id).map { artifact in
                ArtifactView(
                    nodeID: artifact.nodeID, name: artifact.name, contentType: artifact.contentType, bytes: artifact.byteCount,
                    url: "/api/jobs/\(job.id.uuidString.lowercased())/artifacts/\(artifact.name)?node=\(artifact.nodeID)")
            }
            return try JSONBody.response(artifacts)
        }
        group.get("jobs/:id/artifacts/:name") { request, context -> Response in
            let job = try await job(context)
            let name = context.parameters.get("name") ?? ""
            guard let artifact = try await services.queue.artifact(of: job.id, named: name, node: request.uri.queryParameters["node"].map(String.init)) else {
                throw APIError.notFound("the artifact '\(name)'")
            }
            return Response(
                status: .ok, headers: [.contentType: artifact.contentType, .contentLength: "\(artifact.bytes.count)"],
                body: .init(byteBuffer: ByteBuffer(bytes: artifact.bytes)))
        }
        group.get("jobs/:id/predictions.csv") { request, context -> Response in
            let job = try await job(context)
            guard let node = request.uri.queryParameters["node"].map(String.init), !node.isEmpty else {
                throw APIError.badRequest("invalid_parameter", "name the model node: ?node=NODE_ID", field: "node")
            }
            let chunks = try await services.queue.outputChunks(of: job.id, stream: "\(node)/predictions")
            guard !chunks.isEmpty else { throw APIError.notFound("predictions of node '\(node)'") }
            var tables: [Table] = []
            for chunk in chunks { tables.append(try ChunkDecoder().decode(Array(chunk.bytes))) }
            guard let table = Table.joining(tables) else { throw APIError.notFound("predictions of node '\(node)'") }
            let csv = CSVWriter.csv(table)
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(node)-predictions.csv\""],
                body: .init(byteBuffer: ByteBuffer(string: csv)))
        }
        group.get("snapshots/:id") { _, context in try JSONBody.response(try await snapshot(context)) }
        group.post("snapshots/:id/run") { _, context in
            let user = try context.caller()
            let snapshot = try await snapshot(context)
            let job = try await JobFactory(services: services).workflowJob(snapshot.workflow, for: user) { snapshot.id }
            return try JSONBody.response(JobView(job), status: .accepted)
        }
    }

    private func job(_ context: APIRequestContext) async throws -> JobRecord {
        let id = try context.parameters.id("id", "the job")
        guard let job = try await services.queue.job(id), job.userID == (try context.caller().id) else { throw APIError.notFound("the job") }
        return job
    }

    private func snapshot(_ context: APIRequestContext) async throws -> SnapshotView {
        let id = try context.parameters.id("id", "the snapshot")
        guard let record = try await services.workflows.snapshot(id, owner: try context.caller().id) else { throw APIError.notFound("the snapshot") }
        return try SnapshotView(record)
    }

    private func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try Page(request, maximum: configuration.maxPageSize)
        let query = request.uri.queryParameters
        var filter = JobFilter()
        if let text = query["status"] {
            guard let status = JobStatus(rawValue: String(text)) else {
                throw APIError.badRequest("invalid_parameter", "status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))", field: "status")
            }
            filter.status = status
        }
        if let text = query["workflow"] {
            guard let id = UUID(uuidString: String(text)) else {
                throw APIError.badRequest("invalid_parameter", "workflow must be a workflow id", field: "workflow")
            }
            filter.workflowID = id
        }
        if let text = query["since"] {
            guard let date = try? Date(String(text), strategy: .iso8601) else {
                throw APIError.badRequest("invalid_parameter", "since must be an ISO 8601 time such as 2026-01-31T12:00:00Z", field: "since")
            }
            filter.since = date
        }
        let (items, total) = try await services.queue.jobs(of: try context.caller().id, filter: filter, limit: page.limit, offset: page.offset)
        return try JSONBody.response(PageView(items: items.map(JobView.init), total: total, limit: page.limit, offset: page.offset))
    }

    private func cancel(_ context: APIRequestContext) async throws -> Response {
        let job = try await job(context)
        switch try await services.queue.cancel(jobID: job.id, user: job.userID) {
        case .cancelled, .requested:
            return try JSONBody.response(JobView(try await services.queue.job(job.id) ?? job), status: .accepted)
        case .alreadyFinished(let status):
            throw APIError.conflict("job_finished", "the job already finished (\(status.rawValue)); there is nothing to cancel")
        }
    }

    /// A new job from the same snapshot (the old one keeps its record).
    private func retry(_ context: APIRequestContext) async throws -> Response {
        let user = try context.caller()
        let job = try await job(context)
        guard job.status.isFinished else {
            throw APIError.conflict("job_unfinished", "the job is still \(job.status.rawValue); cancel it or wait for it to finish")
        }
        guard job.kind == .workflow, let snapshotID = job.snapshotID, let snapshot = try await services.workflows.snapshot(snapshotID, owner: user.id) else {
            throw APIError.conflict("not_retryable", "only workflow jobs are retried; upload the dataset again to ingest it again")
        }
        let view = try SnapshotView(snapshot)
        let retried = try await JobFactory(services: services).workflowJob(view.workflow, for: user) { snapshotID }
        return try JSONBody.response(JobView(retried), status: .accepted)
    }

    /// The metrics of each model's evaluation, as the job's metrics events reported them
    /// (the last report of each node wins).
    private func results(_ context: APIRequestContext) async throws -> Response {
        let job = try await job(context)
        struct Results: Encodable {
            var jobID: UUID
            var status: JobStatus
            var metrics: [String: JSONFragment]
            enum CodingKeys: String, CodingKey {
                case status, metrics
                case jobID = "job_id"
            }
        }
        var metrics: [String: JSONFragment] = [:]
        for event in try await services.queue.events(of: job.id) where event.type == "metrics" {
            guard let payload = try? event.payload.decode([String: JSONValue].self), case .string(let node)? = payload["node_id"] else { continue }
            metrics[node] = JSONFragment(event.payload.json)
        }
        return try JSONBody.response(Results(jobID: job.id, status: job.status, metrics: metrics))
    }
}
