import Foundation

/// A workflow as stored: its graph (nodes and edges as JSON, validated before they get
/// here) and a version that every update bumps.
public struct WorkflowRecord: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var name: String
    public var nodes: JSONB
    public var edges: JSONB
    public var version: Int32
    public var createdAt: Date
    public var updatedAt: Date
}

/// An immutable copy of a workflow, taken when it is executed; jobs run snapshots, so a
/// user may edit the workflow while its jobs run.
public struct SnapshotRecord: Sendable, Equatable {
    public var id: UUID
    public var workflowID: UUID?
    public var userID: UUID
    public var workflowVersion: Int32
    public var nodes: JSONB
    public var edges: JSONB
    public var createdAt: Date
}

public enum WorkflowStoreError: Error, Equatable, CustomStringConvertible {
    /// An update named a version that is no longer the current one.
    case versionConflict(current: Int32)

    public var description: String {
        switch self {
        case .versionConflict(let current): "the workflow was changed meanwhile; its version is now \(current)"
        }
    }
}

/// Workflows and their snapshots. Every query names the owner: another user's workflow is
/// not found, exactly as a missing one.
public struct Workflows: Sendable {
    enum SQL {
        static let columns = "id, user_id, name, nodes, edges, version, created_at, updated_at"
        static let create = """
            INSERT INTO workflows (id, user_id, name, nodes, edges) VALUES ($1, $2, $3, $4, $5) RETURNING \(columns)
            """
        static let get = "SELECT \(columns) FROM workflows WHERE id = $1 AND user_id = $2"
        /// Newest first; $3 rows after skipping $4.
        static let list = """
            SELECT \(columns) FROM workflows WHERE user_id = $1 ORDER BY updated_at DESC, id LIMIT $2 OFFSET $3
            """
        static let count = "SELECT count(*) FROM workflows WHERE user_id = $1"
        /// Replaces name and graph and bumps the version; $6 (nullable) is the version the
        /// caller edited, refused when another update came first.
        static let update = """
            UPDATE workflows SET name = $3, nodes = $4, edges = $5, version = version + 1, updated_at = now()
            WHERE id = $1 AND user_id = $2 AND ($6::integer IS NULL OR version = $6)
            RETURNING \(columns)
            """
        static let version = "SELECT version FROM workflows WHERE id = $1 AND user_id = $2"
        static let delete = "DELETE FROM workflows WHERE id = $1 AND user_id = $2 RETURNING id"
        static let snapshotColumns = "id, workflow_id, user_id, workflow_version, nodes, edges, created_at"
        static let snapshot = """
            INSERT INTO workflow_snapshots (id, workflow_id, user_id, workflow_version, nodes, edges)
            SELECT $3, id, user_id, version, nodes, edges FROM workflows
            WHERE id = $1 AND user_id = $2 AND ($4::integer IS NULL OR version = $4)
            RETURNING \(snapshotColumns)
            """
        static let getSnapshot = "SELECT \(snapshotColumns) FROM workflow_snapshots WHERE id = $1 AND user_id = $2"
        static let snapshotForWorker = "SELECT \(snapshotColumns) FROM workflow_snapshots WHERE id = $1"
    }

    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func create(owner: UUID, name: String, nodes: JSONB, edges: JSONB) async throws -> WorkflowRecord {
        try await pool.withConnection { connection in
            try connection.query(SQL.create, [UUID(), owner, name, nodes, edges]).map(Self.decode)[0]
        }
    }

    public func get(_ id: UUID, owner: UUID) async throws -> WorkflowRecord? {
        try await pool.withConnection { connection in
            try connection.query(SQL.get, [id, owner]).first(Self.decode)
        }
    }

    /// A page of the owner's workflows, most recently changed first, and how many there are.
    public func list(owner: UUID, limit: Int, offset: Int) async throws -> (items: [WorkflowRecord], total: Int) {
        try await pool.withConnection { connection in
            let items = try connection.query(SQL.list, [owner, Int64(limit), Int64(offset)]).map(Self.decode)
            let total = try connection.query(SQL.count, [owner]).first { row throws(PostgresError) in try row.decode(0, as: Int64.self) } ?? 0
            return (items, Int(total))
        }
    }

    /// Nil when there is no such workflow of `owner`; throws `versionConflict` when
    /// `expectedVersion` is given and is not the current version.
    public func update(
        _ id: UUID, owner: UUID, name: String, nodes: JSONB, edges: JSONB, expectedVersion: Int32? = nil
    ) async throws -> WorkflowRecord? {
        try await pool.withConnection { connection in
            if let updated = try connection.query(SQL.update, [id, owner, name, nodes, edges, expectedVersion]).first(Self.decode) {
                return updated
            }
            guard let current = try connection.query(SQL.version, [id, owner]).first({ row throws(PostgresError) in try row.decode(0, as: Int32.self) }) else {
                return nil
            }
            throw WorkflowStoreError.versionConflict(current: current)
        }
    }

    public func delete(_ id: UUID, owner: UUID) async throws -> Bool {
        try await pool.withConnection { connection in
            try !connection.query(SQL.delete, [id, owner]).isEmpty
        }
    }

    /// Copies the workflow's current graph into a new snapshot; nil when it is not the
    /// owner's, or (with `version`) when it has changed since that version.
    public func takeSnapshot(of workflow: UUID, owner: UUID, version: Int32? = nil) async throws -> SnapshotRecord? {
        try await pool.withConnection { connection in
            try connection.query(SQL.snapshot, [workflow, owner, UUID(), version]).first(Self.decodeSnapshot)
        }
    }

    public func snapshot(_ id: UUID, owner: UUID) async throws -> SnapshotRecord? {
        try await pool.withConnection { connection in
            try connection.query(SQL.getSnapshot, [id, owner]).first(Self.decodeSnapshot)
        }
    }

    /// A snapshot by id alone: for the coordinator, which hands it to the worker leasing its job.
    public func snapshot(_ id: UUID) async throws -> SnapshotRecord? {
        try await pool.withConnection { connection in
            try connection.query(SQL.snapshotForWorker, [id]).first(Self.decodeSnapshot)
        }
    }

    private static func decode(_ row: PostgresRow) throws(PostgresError) -> WorkflowRecord {
        WorkflowRecord(
            id: try row.decode(0), userID: try row.decode(1), name: try row.decode(2), nodes: try row.decode(3),
            edges: try row.decode(4), version: try row.decode(5), createdAt: try row.decode(6), updatedAt: try row.decode(7))
    }

    private static func decodeSnapshot(_ row: PostgresRow) throws(PostgresError) -> SnapshotRecord {
        SnapshotRecord(
            id: try row.decode(0), workflowID: try row.decode(1), userID: try row.decode(2), workflowVersion: try row.decode(3),
            nodes: try row.decode(4), edges: try row.decode(5), createdAt: try row.decode(6))
    }
}
