import Foundation

public enum WorkerState: String, Sendable, Codable {
    case active, draining, gone
}

public struct WorkerRegistration: Sendable, Equatable {
    public var instanceID: UUID
    public var name: String
    public var host: String
    public var capacity: Int32
    public var labels: JSONB
    /// The subject of the client certificate it presented over mutual TLS.
    public var certificateIdentity: String?

    public init(instanceID: UUID, name: String, host: String, capacity: Int32, labels: JSONB = JSONB(json: "{}")) {
        self.instanceID = instanceID
        self.name = name
        self.host = host
        self.capacity = capacity
        self.labels = labels
    }
}

/// The workers table: who is connected, with how many slots, since when.
public struct Workers: Sendable {
    enum SQL {
        /// A process that connects again (same instance id) stays drained if an operator
        /// drained it; otherwise it is active. Returns the state.
        static let register = """
            INSERT INTO workers (instance_id, name, host, capacity, labels, certificate_identity) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (instance_id) DO UPDATE SET
                name = EXCLUDED.name, host = EXCLUDED.host, capacity = EXCLUDED.capacity, labels = EXCLUDED.labels,
                certificate_identity = EXCLUDED.certificate_identity,
                state = CASE WHEN workers.state = 'draining' THEN 'draining' ELSE 'active' END,
                connected_at = now(), last_heartbeat_at = now()
            RETURNING state
            """
        static let setState = "UPDATE workers SET state = $2 WHERE instance_id = $1"
    }

    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Records a connected worker; returns its state: `draining` when an operator drained
    /// this process before it connected again.
    @discardableResult
    public func register(_ worker: WorkerRegistration) async throws -> WorkerState {
        try await pool.withConnection { connection in
            let state = try connection.query(
                SQL.register,
                [worker.instanceID, worker.name, worker.host, worker.capacity, worker.labels, worker.certificateIdentity]
            ).first { row throws(PostgresError) in try row.decode(0, as: String.self) }
            return state.flatMap(WorkerState.init(rawValue:)) ?? .active
        }
    }

    /// Returns false when no such worker is registered.
    @discardableResult
    public func setState(_ instanceID: UUID, _ state: WorkerState) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.query(SQL.setState, [instanceID, state.rawValue]).affectedRows == 1
        }
    }
}
