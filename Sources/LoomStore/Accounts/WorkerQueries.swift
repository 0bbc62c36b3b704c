import Foundation

/// A worker as operators see it.
public struct WorkerRecord: Sendable, Equatable {
    public var instanceID: UUID
    public var name: String
    public var host: String
    public var capacity: Int32
    public var labels: JSONB
    public var state: WorkerState
    public var connectedAt: Date
    public var lastHeartbeatAt: Date
    /// Jobs it holds a live lease on.
    public var runningJobs: Int
    /// The subject of its client certificate (mutual TLS); nil without one.
    public var certificateIdentity: String?
}

extension Workers {
    enum QuerySQL {
        static let list = """
            SELECT w.instance_id, w.name, w.host, w.capacity, w.labels, w.state, w.connected_at, w.last_heartbeat_at,
                   (SELECT count(*) FROM job_running r WHERE r.owner = w.instance_id),
                   w.certificate_identity
            FROM workers w
            WHERE w.state <> 'gone' OR w.last_heartbeat_at > now() - interval '1 hour'
            ORDER BY w.name, w.instance_id
            """
        /// Tells every coordinator (the one holding the worker's connection acts on it).
        static let announce = "SELECT pg_notify('loom_workers', $1::text || ':' || $2::text)"
    }

    /// Workers connected now, and those gone within the last hour.
    public func list() async throws -> [WorkerRecord] {
        try await pool.withConnection { connection in
            try connection.query(QuerySQL.list, []).map { row throws(PostgresError) in
                WorkerRecord(
                    instanceID: try row.decode(0), name: try row.decode(1), host: try row.decode(2), capacity: try row.decode(3),
                    labels: try row.decode(4), state: WorkerState(rawValue: try row.decode(5, as: String.self)) ?? .gone,
                    connectedAt: try row.decode(6), lastHeartbeatAt: try row.decode(7), runningJobs: Int(try row.decode(8, as: Int64.self)),
                    certificateIdentity: try row.decode(9, as: String?.self))
            }
        }
    }

    /// An operator's drain or undrain: stored, and announced on `loom_workers` as
    /// 'INSTANCE_ID:STATE' for the coordinator that holds the worker's connection.
    /// Returns false for an unknown worker.
    public func setStateAndAnnounce(_ instanceID: UUID, _ state: WorkerState) async throws -> Bool {
        guard try await setState(instanceID, state) else { return false }
        try await pool.withConnection { connection in
            _ = try connection.query(QuerySQL.announce, [instanceID.uuidString.lowercased(), state.rawValue])
        }
        return true
    }
}
