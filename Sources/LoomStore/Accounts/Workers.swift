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

/// What registering a worker's connection found and wrote.
public struct RegisteredWorker: Sendable, Equatable {
    /// `draining` when an operator drained this process before it connected again.
    public var state: WorkerState
    /// The connection's time as the database wrote it, to the microsecond: it names this
    /// connection in `markGone(_:connectedAt:)`.
    public var connectedAt: String
}

/// The workers table: who is connected, with how many slots, since when.
public struct Workers: Sendable {
    enum SQL {
        /// A process that connects again (same instance id) stays drained if an operator
        /// drained it; otherwise it is active. Returns the state and the connection's time.
        static let register = """
            INSERT INTO workers (instance_id, name, host, capacity, labels, certificate_identity) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (instance_id) DO UPDATE SET
                name = EXCLUDED.name, host = EXCLUDED.host, capacity = EXCLUDED.capacity, labels = EXCLUDED.labels,
                certificate_identity = EXCLUDED.certificate_identity,
                state = CASE WHEN workers.state = 'draining' THEN 'draining' ELSE 'active' END,
                connected_at = now(), last_heartbeat_at = now()
            RETURNING state, connected_at::text
            """
        static let setState = "UPDATE workers SET state = $2 WHERE instance_id = $1"
        /// An active worker whose connection of time $2 ended; not one that connected again
        /// since (a newer time), nor one an operator drained (kept for when it comes back).
        static let markGone = "UPDATE workers SET state = 'gone' WHERE instance_id = $1 AND connected_at = $2::timestamptz AND state = 'active'"
    }

    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Records a connected worker.
    @discardableResult
    public func register(_ worker: WorkerRegistration) async throws -> RegisteredWorker {
        try await pool.withConnection { connection in
            let row = try connection.query(
                SQL.register,
                [worker.instanceID, worker.name, worker.host, worker.capacity, worker.labels, worker.certificateIdentity]
            ).first { row throws(PostgresError) in (try row.decode(0, as: String.self), try row.decode(1, as: String.self)) }
            guard let (state, connectedAt) = row else { throw PostgresError(kind: .decoding, message: "the worker's registration returned no row") }
            return RegisteredWorker(state: WorkerState(rawValue: state) ?? .active, connectedAt: connectedAt)
        }
    }

    /// Marks a worker gone when its connection of `connectedAt` ended (see `SQL.markGone`);
    /// returns whether it did.
    @discardableResult
    public func markGone(_ instanceID: UUID, connectedAt: String) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.query(SQL.markGone, [instanceID, connectedAt]).affectedRows == 1
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
