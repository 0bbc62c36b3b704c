import Foundation
import LoomColumnar
import LoomML
import LoomStore
import LoomWorkflow

// The API's JSON shapes: snake_case names, the seed's where it has them. Every property is
// always written: one without a value as null, so a response of a kind always has the same
// keys (see the overloads at the end of this file).

struct WorkflowView: Encodable {
    var id: UUID
    var name: String
    var version: Int32
    var nodes: [WorkflowNode]
    var edges: [WorkflowEdge]
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, version, nodes, edges
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ record: WorkflowRecord) throws {
        id = record.id
        name = record.name
        version = record.version
        nodes = try record.nodes.decode([WorkflowNode].self)
        edges = try record.edges.decode([WorkflowEdge].self)
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }
}

struct SnapshotView: Encodable {
    var id: UUID
    var workflowID: UUID?
    var workflowVersion: Int32
    var nodes: [WorkflowNode]
    var edges: [WorkflowEdge]
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, nodes, edges
        case workflowID = "workflow_id"
        case workflowVersion = "workflow_version"
        case createdAt = "created_at"
    }

    init(_ record: SnapshotRecord) throws {
        id = record.id
        workflowID = record.workflowID
        workflowVersion = record.workflowVersion
        nodes = try record.nodes.decode([WorkflowNode].self)
        edges = try record.edges.decode([WorkflowEdge].self)
        createdAt = record.createdAt
    }

    var workflow: Workflow { Workflow(nodes: nodes, edges: edges) }
}

/// A job with the seed's properties plus its attempt and timing.
struct JobView: Encodable {
    var id: UUID
    var userID: UUID
    var kind: JobKind
    var workflowSnapshotID: UUID?
    var datasetID: UUID?
    var status: JobStatus
    var attempt: Int32
    var maxTries: Int32
    var creditEstimate: Int64
    var creditCost: Int64?
    var errorMessage: String?
    var cancelRequested: Bool
    var createdAt: Date
    var startedAt: Date?
    var completedAt: Date?
    var durationSeconds: Double?
    var timeoutSeconds: Double

    enum CodingKeys: String, CodingKey {
        case id, kind, status, attempt
        case userID = "user_id"
        case workflowSnapshotID = "workflow_snapshot_id"
        case datasetID = "dataset_id"
        case maxTries = "max_tries"
        case creditEstimate = "credit_estimate"
        case creditCost = "credit_cost"
        case errorMessage = "error_message"
        case cancelRequested = "cancel_requested"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case durationSeconds = "duration_seconds"
        case timeoutSeconds = "timeout_seconds"
    }

    init(_ job: JobRecord) {
        id = job.id
        userID = job.userID
        kind = job.kind
        workflowSnapshotID = job.snapshotID
        datasetID = job.datasetID
        status = job.status
        attempt = job.attempt
        maxTries = job.maxTries
        creditEstimate = job.creditEstimate
        creditCost = job.creditCost
        errorMessage = job.errorMessage
        cancelRequested = job.cancelRequested
        createdAt = job.createdAt
        startedAt = job.startedAt
        completedAt = job.completedAt
        durationSeconds = job.startedAt.flatMap { start in job.completedAt.map { $0.timeIntervalSince(start) } }
        timeoutSeconds = job.timeoutSeconds
    }
}

struct NodeView: Encodable {
    var nodeID: String
    var status: NodeStatus
    var startedAt: Date?
    var completedAt: Date?
    var durationSeconds: Double?
    var outputData: JSONFragment?
    var errorMessage: String?

    enum CodingKeys: String, CodingKey {
        case status
        case nodeID = "node_id"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case durationSeconds = "duration_seconds"
        case outputData = "output_data"
        case errorMessage = "error_message"
    }

    init(_ node: JobNodeRecord) {
        nodeID = node.nodeID
        status = node.status
        startedAt = node.startedAt
        completedAt = node.completedAt
        durationSeconds = node.startedAt.flatMap { start in node.completedAt.map { $0.timeIntervalSince(start) } }
        outputData = node.outputData.map { JSONFragment($0.json) }
        errorMessage = node.errorMessage
    }
}

struct ArtifactView: Encodable {
    var nodeID: String
    var name: String
    var contentType: String
    var bytes: Int64
    var url: String

    enum CodingKeys: String, CodingKey {
        case name, bytes, url
        case nodeID = "node_id"
        case contentType = "content_type"
    }
}

struct DatasetView: Encodable {
    var id: UUID
    var name: String
    var status: DatasetStatus
    var sample: Bool
    var rows: Int64?
    var columns: Int32?
    var bytes: Int64
    var errorMessage: String?
    var createdAt: Date
    var profile: JSONFragment?

    enum CodingKeys: String, CodingKey {
        case id, name, status, sample, rows, columns, bytes, profile
        case errorMessage = "error_message"
        case createdAt = "created_at"
    }

    init(_ record: DatasetRecord, withProfile: Bool) {
        id = record.id
        name = record.name
        status = record.status
        sample = record.userID == nil
        rows = record.rowCount
        columns = record.columnCount
        bytes = record.byteCount
        errorMessage = record.errorMessage
        createdAt = record.createdAt
        profile = withProfile ? record.profile.map { JSONFragment($0.json) } : nil
    }
}

struct UserView: Encodable {
    var id: UUID
    var name: String
    var isAdmin: Bool
    var credits: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, credits
        case isAdmin = "is_admin"
    }

    init(_ user: User) {
        id = user.id
        name = user.name
        isAdmin = user.isAdmin
        credits = user.credits
    }
}

struct TokenView: Encodable {
    var id: UUID
    var name: String
    var createdAt: Date
    var revokedAt: Date?
    /// Present once, when the token is created.
    var token: String?

    enum CodingKeys: String, CodingKey {
        case id, name, token
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    init(_ token: APIToken, secret: String? = nil) {
        id = token.id
        name = token.name
        createdAt = token.createdAt
        revokedAt = token.revokedAt
        self.token = secret
    }
}

struct LedgerView: Encodable {
    var jobID: UUID?
    var kind: String
    var amount: Int64
    var note: String?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case kind, amount, note
        case jobID = "job_id"
        case createdAt = "created_at"
    }

    init(_ entry: LedgerEntry) {
        jobID = entry.jobID
        kind = entry.kind.rawValue
        amount = entry.amount
        note = entry.note
        createdAt = entry.createdAt
    }
}

/// JSON text already encoded (a stored jsonb), embedded as it is.
struct JSONFragment: Encodable {
    let value: JSONValue

    init(_ json: String) {
        value = (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? .null
    }

    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// The operators' view of the queue.
struct QueueView: Encodable {
    var counts: [String: Int]
    var oldestQueuedSeconds: Double?
    enum CodingKeys: String, CodingKey {
        case counts
        case oldestQueuedSeconds = "oldest_queued_seconds"
    }
}

// The synthesized `encode(to:)` of the views above leaves out a property that is nil
// (`encodeIfPresent`); these overloads, visible in this file only, write null instead. The
// concrete ones are needed because the standard library has concrete overloads too.
fileprivate extension KeyedEncodingContainer {
    mutating func encodeIfPresent<Value: Encodable>(_ value: Value?, forKey key: Key) throws { try encodeOrNull(value, forKey: key) }
    mutating func encodeIfPresent(_ id: UUID?, forKey key: Key) throws { try encodeOrNull(id?.uuidString.lowercased(), forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOrNull(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOrNull(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOrNull(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOrNull(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOrNull(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOrNull(value, forKey: key) }

    private mutating func encodeOrNull<Value: Encodable>(_ value: Value?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
