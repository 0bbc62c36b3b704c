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
        static let register = """
            INSERT INTO workers (instance_id, name, host, capacity, labels, certificate_identity) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (instance_id) DO UPDATE SET
                name = EXCLUDED.name, host = EXCLUDED.host, capacity = EXCLUDED.capacity, labels = EXCLUDED.labels,
                certificate_identity = EXCLUDED.certificate_identity,
                state = 'active', connected_at = now(), last_heartbeat_at = now()
            """
        static let setState = "UPDATE workers SET state = $2 WHERE instance_id = $1"
    }

    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func register(_ worker: WorkerRegistration) async throws {
        try await pool.withConnection { connection in
            _ = try connection.query(
                SQL.register,
                [worker.instanceID, worker.name, worker.host, worker.capacity, worker.labels, worker.certificateIdentity]
            )
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
