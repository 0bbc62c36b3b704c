import Foundation

extension JobRecord {
    /// Decodes a row of `JobSQL.recordColumns`.
    static func decode(_ row: PostgresRow) throws(PostgresError) -> JobRecord {
        JobRecord(
            id: try row.decode(0), userID: try row.decode(1), kind: try row.decode(2), status: try row.decode(3),
            priority: try row.decode(4), attempt: try row.decode(5), maxTries: try row.decode(6), runAt: try row.decode(7),
            leaseOwner: try row.decode(8), leaseToken: try row.decode(9), leaseExpiresAt: try row.decode(10),
            cancelRequested: try row.decode(11), creditEstimate: try row.decode(12), creditCost: try row.decode(13),
            errorMessage: try row.decode(14), createdAt: try row.decode(15), startedAt: try row.decode(16),
            completedAt: try row.decode(17), snapshotID: try row.decode(18), datasetID: try row.decode(19),
            timeoutSeconds: try row.decode(20))
    }
}

/// A node of a job as stored (the seed's per-node record).
public struct JobNodeRecord: Sendable, Equatable {
    public var nodeID: String
    public var status: NodeStatus
    public var startedAt: Date?
    public var completedAt: Date?
    public var outputData: JSONB?
    public var errorMessage: String?
}

/// An artifact's description, without its bytes.
public struct ArtifactInfo: Sendable, Equatable {
    public var nodeID: String
    public var name: String
    public var contentType: String
    public var byteCount: Int64
    public var createdAt: Date
}

/// Which jobs a listing shows.
public struct JobFilter: Sendable, Equatable {
    public var status: JobStatus?
    /// Jobs of snapshots of this workflow.
    public var workflowID: UUID?
    /// Jobs created at or after this time.
    public var since: Date?

    public init(status: JobStatus? = nil, workflowID: UUID? = nil, since: Date? = nil) {
        self.status = status
        self.workflowID = workflowID
        self.since = since
    }
}

/// Queue depth for operators.
public struct QueueStatistics: Sendable, Equatable {
    public var counts: [JobStatus: Int]
    /// Seconds the oldest due, queued job has waited; nil when none waits.
    public var oldestQueuedSeconds: Double?
}

enum JobQueriesSQL {
    static let list = """
        SELECT \(JobSQL.recordColumns) FROM jobs
        WHERE user_id = $1
          AND ($2::text IS NULL OR status = $2)
          AND ($3::uuid IS NULL OR workflow_snapshot_id IN (SELECT id FROM workflow_snapshots WHERE workflow_id = $3))
          AND ($4::timestamptz IS NULL OR created_at >= $4)
        ORDER BY created_at DESC, id
        LIMIT $5 OFFSET $6
        """
    static let count = """
        SELECT count(*) FROM jobs
        WHERE user_id = $1
          AND ($2::text IS NULL OR status = $2)
          AND ($3::uuid IS NULL OR workflow_snapshot_id IN (SELECT id FROM workflow_snapshots WHERE workflow_id = $3))
          AND ($4::timestamptz IS NULL OR created_at >= $4)
        """
    static let nodes = """
        SELECT node_id, status, started_at, completed_at, output_data, error_message FROM job_nodes
        WHERE job_id = $1 ORDER BY started_at NULLS LAST, node_id
        """
    static let artifacts = """
        SELECT node_id, name, content_type, length(bytes), created_at FROM artifacts WHERE job_id = $1 ORDER BY node_id, name
        """
    static let artifact = """
        SELECT content_type, bytes FROM artifacts WHERE job_id = $1 AND name = $2 AND ($3::text IS NULL OR node_id = $3)
        ORDER BY node_id LIMIT 1
        """
    static let statistics = """
        SELECT status, count(*) FROM jobs GROUP BY status
        """
    static let oldestQueued = """
        SELECT extract(epoch FROM now() - min(run_at))::float8 FROM job_queue WHERE NOT pending AND run_at <= now()
        """
    /// An operator's requeue of a waiting job: due now, whatever backoff or delay it had.
    /// (A finished job is run again as a new job from its snapshot: its credits were
    /// settled, and a job's ledger rows are written once.)
    static let requeue = """
        WITH due AS (
            UPDATE jobs SET status = 'queued', run_at = now() WHERE id = $1 AND status IN ('pending', 'queued') RETURNING id, run_at
        ), queued AS (
            UPDATE job_queue q SET run_at = d.run_at, pending = false FROM due d WHERE q.job_id = d.id
        )
        SELECT id FROM due
        """
}

extension JobQueue {
    /// A page of a user's jobs, newest first, and how many match.
    public func jobs(of user: UUID, filter: JobFilter, limit: Int, offset: Int) async throws -> (items: [JobRecord], total: Int) {
        let parameters: [any PostgresEncodable & Sendable] = [user, filter.status?.rawValue, filter.workflowID, filter.since]
        return try await pool.withConnection { connection in
            let items = try connection.query(JobQueriesSQL.list, parameters + [Int64(limit), Int64(offset)]).map(JobRecord.decode)
            let total = try connection.query(JobQueriesSQL.count, parameters).first { row throws(PostgresError) in try row.decode(0, as: Int64.self) } ?? 0
            return (items, Int(total))
        }
    }

    public func nodes(of job: UUID) async throws -> [JobNodeRecord] {
        try await pool.withConnection { connection in
            try connection.query(JobQueriesSQL.nodes, [job]).map { row throws(PostgresError) in
                JobNodeRecord(
                    nodeID: try row.decode(0), status: try row.decode(1), startedAt: try row.decode(2),
                    completedAt: try row.decode(3), outputData: try row.decode(4), errorMessage: try row.decode(5))
            }
        }
    }

    public func artifacts(of job: UUID) async throws -> [ArtifactInfo] {
        try await pool.withConnection { connection in
            try connection.query(JobQueriesSQL.artifacts, [job]).map { row throws(PostgresError) in
                ArtifactInfo(
                    nodeID: try row.decode(0), name: try row.decode(1), contentType: try row.decode(2),
                    byteCount: Int64(try row.decode(3, as: Int32.self)), createdAt: try row.decode(4))
            }
        }
    }

    /// An artifact's content type and bytes, by name (and node, when names repeat).
    public func artifact(of job: UUID, named name: String, node: String? = nil) async throws -> (contentType: String, bytes: Data)? {
        try await pool.withConnection { connection in
            try connection.query(JobQueriesSQL.artifact, [job, name, node]).first { row throws(PostgresError) in
                (try row.decode(0, as: String.self), try row.decode(1, as: Data.self))
            }
        }
    }

    public func statistics() async throws -> QueueStatistics {
        try await pool.withConnection { connection in
            var counts: [JobStatus: Int] = [:]
            for status in JobStatus.allCases { counts[status] = 0 }
            for row in try connection.query(JobQueriesSQL.statistics, []) {
                counts[try row.decode(0, as: JobStatus.self)] = Int(try row.decode(1, as: Int64.self))
            }
            let oldest = try connection.query(JobQueriesSQL.oldestQueued, []).first { row throws(PostgresError) in try row.decode(0, as: Double?.self) } ?? nil
            return QueueStatistics(counts: counts, oldestQueuedSeconds: oldest)
        }
    }

    /// Makes a pending or queued job due now (an operator's decision); false for any other.
    public func requeue(_ job: UUID) async throws -> Bool {
        try await pool.withConnection { connection in
            try !connection.query(JobQueriesSQL.requeue, [job]).isEmpty
        }
    }
}
