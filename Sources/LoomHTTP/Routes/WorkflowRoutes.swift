import Foundation
import Hummingbird
import LoomColumnar
import LoomML
import LoomStore
import LoomWorkflow

/// Workflows: create, list, get, update (bumps the version), delete, validate, execute.
struct WorkflowRoutes {
    let configuration: APIConfiguration
    let services: APIServices

    /// What a client sends to create or update a workflow.
    struct Body: Decodable {
        var name: String?
        var nodes: [WorkflowNode]
        var edges: [WorkflowEdge]
        /// On update: the version the client edited; a stale one is refused with 409.
        var version: Int32?
    }

    struct ValidationView: Encodable {
        var valid: Bool
        var issues: [ValidationIssue]
    }

    func register(on group: RouterGroup<APIRequestContext>) {
        group.post("workflows") { request, context in try await create(request, context) }
        group.get("workflows") { request, context in try await list(request, context) }
        group.post("workflows/validate") { request, context in try await validate(request, context) }
        group.get("workflows/:id") { _, context in try JSONBody.response(WorkflowView(try await workflow(context))) }
        group.put("workflows/:id") { request, context in try await update(request, context) }
        group.delete("workflows/:id") { _, context -> Response in
            let id = try context.parameters.id("id", "the workflow")
            guard try await services.workflows.delete(id, owner: try context.caller().id) else { throw APIError.notFound("the workflow") }
            return Response(status: .noContent)
        }
        group.post("workflows/:id/execute") { _, context in try await execute(context) }
    }

    private func workflow(_ context: APIRequestContext) async throws -> WorkflowRecord {
        let id = try context.parameters.id("id", "the workflow")
        guard let record = try await services.workflows.get(id, owner: try context.caller().id) else { throw APIError.notFound("the workflow") }
        return record
    }

    private func body(_ request: Request) async throws -> (name: String, workflow: Workflow, version: Int32?) {
        let body = try await JSONBody.decode(Body.self, from: request, limit: configuration.maxJSONBody)
        let name = (body.name ?? "Untitled workflow").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw APIError.badRequest("invalid_field", "name must have 1 to 200 characters", field: "name")
        }
        let workflow = Workflow(nodes: body.nodes, edges: body.edges)
        // PostgreSQL's jsonb cannot hold a NUL character: refuse it here, as bad input.
        if String(decoding: workflow.jsonBytes(), as: UTF8.self).contains("\\u0000") || name.contains("\u{0}") {
            throw APIError.badRequest("invalid_body", "the workflow holds a NUL character (\\u0000), which cannot be stored")
        }
        return (name, workflow, body.version)
    }

    private func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (name, workflow, _) = try await body(request)
        let record = try await services.workflows.create(
            owner: try context.caller().id, name: name, nodes: try JSONB(encoding: workflow.nodes), edges: try JSONB(encoding: workflow.edges))
        return try JSONBody.response(WorkflowView(record), status: .created)
    }

    private func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try Page(request, maximum: configuration.maxPageSize)
        let (items, total) = try await services.workflows.list(owner: try context.caller().id, limit: page.limit, offset: page.offset)
        return try JSONBody.response(PageView(items: try items.map(WorkflowView.init), total: total, limit: page.limit, offset: page.offset))
    }

    private func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.id("id", "the workflow")
        let (name, workflow, version) = try await body(request)
        do {
            guard let record = try await services.workflows.update(
                id, owner: try context.caller().id, name: name, nodes: try JSONB(encoding: workflow.nodes),
                edges: try JSONB(encoding: workflow.edges), expectedVersion: version)
            else { throw APIError.notFound("the workflow") }
            return try JSONBody.response(WorkflowView(record))
        } catch WorkflowStoreError.versionConflict(let current) {
            throw APIError.conflict("version_conflict", "the workflow was changed meanwhile (now version \(current)); reload it and apply your change again")
        }
    }

    private func validate(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(Body.self, from: request, limit: configuration.maxJSONBody)
        let workflow = Workflow(nodes: body.nodes, edges: body.edges)
        let datasets = try await DatasetResolver(datasets: services.datasets).resolve(workflow, for: try context.caller().id)
        let issues = WorkflowValidator(datasets: datasets.infos).issues(in: workflow)
        return try JSONBody.response(ValidationView(valid: issues.isEmpty, issues: issues))
    }

    /// Snapshots the workflow, checks it in full (with the dataset's profile) and the
    /// caller's credits against the estimate, and queues a job: 202 with the job.
    private func execute(_ context: APIRequestContext) async throws -> Response {
        let user = try context.caller()
        let record = try await workflow(context)
        let workflow = Workflow(nodes: try record.nodes.decode([WorkflowNode].self), edges: try record.edges.decode([WorkflowEdge].self))
        let submission = try await JobFactory(services: services).workflowJob(workflow, for: user) { () async throws -> UUID in
            guard let snapshot = try await services.workflows.takeSnapshot(of: record.id, owner: user.id, version: record.version) else {
                throw APIError.conflict("version_conflict", "the workflow changed while it was being executed; execute it again")
            }
            return snapshot.id
        }
        return try JSONBody.response(JobView(submission), status: .accepted)
    }
}

/// The datasets a workflow names, looked up for one user: their own by id, the bundled
/// samples by name (`sample:iris`).
struct DatasetResolver {
    let datasets: Datasets

    struct Resolved {
        var infos: [String: DatasetInfo] = [:]
        var records: [String: DatasetRecord] = [:]
    }

    func resolve(_ workflow: Workflow, for user: UUID) async throws -> Resolved {
        var resolved = Resolved()
        let references = Set(workflow.nodes.compactMap { node -> String? in
            guard node.kind == .dataset, case .string(let id)? = node.data["datasetId"] ?? node.data["dataset_id"] else { return nil }
            return id
        })
        guard !references.isEmpty else { return resolved }
        let samples = try await datasets.list(for: user).filter { $0.userID == nil }
        for reference in references {
            let record: DatasetRecord?
            if let id = UUID(uuidString: reference) {
                record = try await datasets.get(id, for: user)
            } else {
                record = samples.first { $0.name == reference }
            }
            guard let record else { continue }
            resolved.records[reference] = record
            let profile = try record.profile.map { try $0.decode(DatasetProfile.self) }
            resolved.infos[reference] = DatasetInfo(status: DatasetInfo.Status(rawValue: record.status.rawValue) ?? .failed, profile: profile)
        }
        return resolved
    }
}

/// Turns a validated workflow into a queued job: the one place that checks a workflow,
/// prices it and submits it (execute, snapshot re-run, retry).
struct JobFactory {
    let services: APIServices

    /// Validates `workflow` against the caller's datasets, checks their credits against the
    /// estimate, takes the snapshot (`snapshot` runs only when all checks pass) and submits.
    func workflowJob(_ workflow: Workflow, for user: User, snapshot: () async throws -> UUID) async throws -> JobRecord {
        let resolved = try await DatasetResolver(datasets: services.datasets).resolve(workflow, for: user.id)
        let plan: WorkflowPlan
        do {
            plan = try WorkflowValidator(datasets: resolved.infos).validate(workflow)
        } catch {
            throw APIError.invalidWorkflow(error)
        }
        guard plan.datasetIDs.count == 1, let reference = plan.datasetIDs.first, let dataset = resolved.records[reference] else {
            throw APIError(.unprocessableContent, "multiple_datasets", "a job reads one dataset; these dataset nodes name \(plan.datasetIDs.count): \(plan.datasetIDs.joined(separator: ", "))")
        }
        let size = CreditPolicy.DatasetSize(rows: Int(dataset.rowCount ?? 0), columns: Int(dataset.columnCount ?? 0))
        let estimate = CreditPolicy().cost(of: plan, sizes: [reference: size])
        guard user.credits >= estimate else {
            throw APIError(HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), "insufficient_credits", "this workflow needs \(estimate) credits and you have \(user.credits)")
        }
        let snapshotID = try await snapshot()
        let submission = JobSubmission(userID: user.id, kind: .workflow, snapshotID: snapshotID, datasetID: dataset.id, creditEstimate: estimate)
        _ = try await services.queue.submit(submission)
        guard let job = try await services.queue.job(submission.id) else { throw APIError.notFound("the job") }
        return job
    }
}
