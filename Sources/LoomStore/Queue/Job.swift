import Foundation

public enum JobStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case pending, queued, running, completed, failed, cancelled

    public var isFinished: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .pending, .queued, .running: false
        }
    }
}

public enum JobKind: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case ingestion, workflow
    /// A trivial job for benchmarks and tests: it runs what its spec says (sleep, events).
    case bench
}

public enum NodeStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case pending, running, completed, failed, skipped
}

/// What a caller asks for when it submits a job.
public struct JobSubmission: Sendable {
    public var id: UUID
    public var userID: UUID
    public var kind: JobKind
    public var snapshotID: UUID?
    public var datasetID: UUID?
    public var priority: Int32
    public var maxTries: Int32
    public var timeout: Duration
    public var creditEstimate: Int64
    /// How long the job stays pending before it is queued (zero: queued at once).
    public var delay: Duration
    /// What a job that is not a workflow runs with (ingestion options, a bench job's plan).
    public var spec: JSONB?

    public init(
        id: UUID = UUID(), userID: UUID, kind: JobKind, snapshotID: UUID? = nil, datasetID: UUID? = nil,
        priority: Int32 = 0, maxTries: Int32 = 3, timeout: Duration = .seconds(1800), creditEstimate: Int64 = 0,
        delay: Duration = .zero, spec: JSONB? = nil
    ) {
        self.spec = spec
        self.id = id
        self.userID = userID
        self.kind = kind
        self.snapshotID = snapshotID
        self.datasetID = datasetID
        self.priority = priority
        self.maxTries = maxTries
        self.timeout = timeout
        self.creditEstimate = creditEstimate
        self.delay = delay
    }
}

/// A job handed to one worker: everything it needs to run it and to prove it still holds it.
public struct JobLease: Sendable, Hashable {
    public var jobID: UUID
    public var userID: UUID
    public var kind: JobKind
    public var snapshotID: UUID?
    public var datasetID: UUID?
    /// The fencing token: every write the worker makes on this job carries it.
    public var token: Int64
    public var attempt: Int32
    public var maxTries: Int32
    public var expiresAt: Date
    public var timeoutSeconds: Double
    public var creditEstimate: Int64
}

/// The outcome of a write guarded by a lease. `leaseLost` is not an error: it is the normal
/// answer to a zombie worker, and callers must tell it apart from success.
public enum GuardedWrite: Sendable, Equatable {
    case applied
    case leaseLost
}

/// A job as stored.
public struct JobRecord: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var kind: JobKind
    public var status: JobStatus
    public var priority: Int32
    public var attempt: Int32
    public var maxTries: Int32
    public var runAt: Date
    public var leaseOwner: UUID?
    public var leaseToken: Int64?
    public var leaseExpiresAt: Date?
    public var cancelRequested: Bool
    public var creditEstimate: Int64
    public var creditCost: Int64?
    public var errorMessage: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    public var snapshotID: UUID?
    public var datasetID: UUID?
    public var timeoutSeconds: Double
}

public struct JobEvent: Sendable, Equatable {
    public var seq: Int64
    public var type: String
    public var payload: JSONB
    public var createdAt: Date
}

public enum QueueError: Error, Equatable, CustomStringConvertible {
    case unknownUser(UUID)
    case insufficientCredits(needed: Int64, available: Int64)
    case unknownJob(UUID)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .unknownUser(let id): "unknown user \(id)"
        case .insufficientCredits(let needed, let available):
            "insufficient credits: the job needs up to \(needed), and at most \(available) are available "
                + "(the balance plus what unfinished jobs have reserved)"
        case .unknownJob(let id): "unknown job \(id)"
        case .invalidArgument(let reason): reason
        }
    }
}

extension Duration {
    /// Seconds as a Double, the unit the SQL takes for intervals.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
