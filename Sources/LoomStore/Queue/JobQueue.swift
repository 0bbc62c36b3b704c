import Foundation

/// The job queue on PostgreSQL: every state change the cluster makes to a job.
///
/// Each operation is one statement (JobSQL), so it is atomic on its own and costs one
/// round trip however many jobs it touches. Operations on behalf of a worker are guarded
/// by the lease's fencing token and answer `.leaseLost` when the worker no longer holds it.
public struct JobQueue: Sendable {
    public struct Configuration: Sendable {
        /// How long a lease lasts without a heartbeat.
        public var leaseTTL: Duration = .seconds(15)
        /// Full-jitter exponential backoff between attempts: base and cap.
        public var backoffBase: Duration = .seconds(2)
        public var backoffCap: Duration = .seconds(300)
        /// How long a job whose user cannot afford it now waits before it is due again.
        public var creditWait: Duration = .seconds(1)
        /// Rows the reclaimer handles per statement.
        public var reclaimBatchSize: Int = 500
        /// How long events and artifacts of finished jobs are kept (the seed's keep_result);
        /// zero keeps them forever.
        public var keepResult: Duration = .seconds(3600)

        public init() {}
    }

    public let pool: PostgresPool
    public var configuration: Configuration

    public init(pool: PostgresPool, configuration: Configuration = Configuration()) {
        self.pool = pool
        self.configuration = configuration
    }

    // MARK: Submit and admit

    /// Creates a job: queued at once, or pending until its delay has passed. Refused with
    /// `insufficientCredits` when its estimate exceeds the user's balance.
    @discardableResult
    public func submit(_ job: JobSubmission) async throws -> JobStatus {
        guard job.maxTries > 0 else { throw QueueError.invalidArgument("max_tries must be at least 1") }
        guard job.timeout > .zero else { throw QueueError.invalidArgument("timeout must be positive") }
        guard job.creditEstimate >= 0 else { throw QueueError.invalidArgument("credit estimate must not be negative") }
        let row = try await pool.withConnection { connection in
            try connection.query(
                JobSQL.submit,
                [
                    job.id, job.userID, job.kind.rawValue, job.snapshotID, job.datasetID, job.priority, job.maxTries,
                    job.timeout.seconds, job.creditEstimate, job.delay.seconds, job.spec,
                ]
            ).first { row throws(PostgresError) in (try row.decode(0, as: Int64?.self), try row.decode(1, as: String?.self)) }
        }
        guard let (credits, status) = row, let credits else { throw QueueError.unknownUser(job.userID) }
        guard let status, let jobStatus = JobStatus(rawValue: status) else {
            throw QueueError.insufficientCredits(needed: job.creditEstimate, available: credits)
        }
        return jobStatus
    }

    /// Queues every pending job that is due; returns how many. The scheduler's `runOnce`.
    @discardableResult
    public func promoteDue() async throws -> Int {
        try await pool.withConnection { connection in
            try connection.query(JobSQL.promoteDue)[0].decode(0, as: Int.self)
        }
    }

    // MARK: Leases

    /// Leases up to `limit` due jobs to a worker instance, by priority then age.
    public func lease(worker: UUID, limit: Int) async throws -> [JobLease] {
        try await leaseForCluster(worker: worker, limit: limit).map(\.lease)
    }

    public struct HeartbeatReply: Sendable, Equatable {
        /// Held jobs whose cancellation was requested: stop them and acknowledge.
        public var cancel: Set<UUID>
        /// Jobs the worker thinks it holds but does not (reclaimed, timed out, finished): stop them.
        public var lost: Set<UUID>
        /// False when the worker instance is not registered.
        public var workerKnown: Bool
    }

    /// Extends, in one statement, the leases of every job the worker holds.
    public func heartbeat(worker: UUID, holding jobs: [UUID]) async throws -> HeartbeatReply {
        let ttl = configuration.leaseTTL.seconds
        return try await pool.withConnection { connection in
            let row = try connection.query(JobSQL.heartbeat, [worker, ttl, jobs])[0]
            return HeartbeatReply(
                cancel: Set(try row.decode(0, as: [UUID].self)),
                lost: Set(try row.decode(1, as: [UUID].self)),
                workerKnown: try row.decode(2, as: Int.self) > 0
            )
        }
    }

    // MARK: Finishing

    public struct Completion: Sendable, Hashable {
        public var jobID: UUID
        public var token: Int64
        /// The credits the run actually cost; the charge is at most the reserved estimate.
        public var cost: Int64

        public init(jobID: UUID, token: Int64, cost: Int64) {
            self.jobID = jobID
            self.token = token
            self.cost = cost
        }
    }

    /// Completes many jobs in one statement and one commit. Returns each job's outcome.
    public func complete(_ completions: [Completion]) async throws -> [UUID: GuardedWrite] {
        guard !completions.isEmpty else { return [:] }
        let ids = completions.map(\.jobID)
        let tokens = completions.map(\.token)
        let costs = completions.map(\.cost)
        let applied = try await pool.withConnection { connection in
            Set(try connection.query(JobSQL.complete, [ids, tokens, costs]).map { row throws(PostgresError) in
                try row.decode(0, as: UUID.self)
            })
        }
        return Dictionary(ids.map { ($0, applied.contains($0) ? GuardedWrite.applied : .leaseLost) }) { first, _ in first }
    }

    public func complete(jobID: UUID, token: Int64, cost: Int64) async throws -> GuardedWrite {
        try await complete([Completion(jobID: jobID, token: token, cost: cost)])[jobID] ?? .leaseLost
    }

    public enum FailOutcome: Sendable, Equatable {
        /// Queued again, due at `retryAt`.
        case retrying(attempt: Int32, retryAt: Date)
        /// No tries left, or not retryable: failed for good, reservation refunded.
        case failed
        /// A cancellation was pending: cancelled, reservation refunded.
        case cancelled
        case leaseLost
    }

    /// Records a failed attempt. Retryable failures with tries left are queued again after
    /// a full-jitter exponential backoff; others fail the job and refund its reservation.
    public func fail(jobID: UUID, token: Int64, error message: String, retryable: Bool) async throws -> FailOutcome {
        let base = configuration.backoffBase.seconds * 1000
        let cap = configuration.backoffCap.seconds * 1000
        return try await pool.withConnection { connection in
            let outcome = try connection.query(JobSQL.fail, [jobID, token, message, retryable, base, cap])
                .first { row throws(PostgresError) -> FailOutcome in
                    switch try row.decode(0, as: JobStatus.self) {
                    case .queued: .retrying(attempt: try row.decode(2), retryAt: try row.decode(1))
                    case .cancelled: .cancelled
                    case .failed: .failed
                    case .pending, .running, .completed:
                        throw PostgresError(kind: .decoding, message: "a failed attempt cannot leave job \(jobID) in this state")
                    }
                }
            return outcome ?? .leaseLost
        }
    }

    public enum CancelOutcome: Sendable, Equatable {
        /// It was pending or queued: cancelled now.
        case cancelled
        /// It is running: its worker is told, and it ends cancelled when the worker
        /// acknowledges or its lease expires.
        case requested
        /// It had already finished with this status; nothing changed.
        case alreadyFinished(JobStatus)
    }

    /// Cancels a job. `user` restricts it to that user's jobs (nil: an operator's cancel).
    public func cancel(jobID: UUID, user: UUID? = nil) async throws -> CancelOutcome {
        let previous = try await pool.withConnection { connection in
            try connection.query(JobSQL.cancel, [jobID, user]).first { row throws(PostgresError) in
                try row.decode(0, as: JobStatus.self)
            }
        }
        guard let status = previous else { throw QueueError.unknownJob(jobID) }
        switch status {
        case .pending, .queued: return .cancelled
        case .running: return .requested
        case .completed, .failed, .cancelled: return .alreadyFinished(status)
        }
    }

    /// The worker stopped a job whose cancellation was requested.
    public func acknowledgeCancel(jobID: UUID, token: Int64) async throws -> GuardedWrite {
        try await pool.withConnection { connection in
            try connection.query(JobSQL.acknowledgeCancel, [jobID, token]).isEmpty ? .leaseLost : .applied
        }
    }

    // MARK: Progress

    public func setNodeStatus(
        jobID: UUID, token: Int64, nodeID: String, status: NodeStatus, output: JSONB? = nil, error: String? = nil
    ) async throws -> GuardedWrite {
        try await pool.withConnection { connection in
            try connection.query(JobSQL.setNodeStatus, [jobID, token, nodeID, status.rawValue, output, error]).isEmpty
                ? .leaseLost : .applied
        }
    }

    public struct NewEvent: Sendable, Hashable {
        public var jobID: UUID
        public var token: Int64
        public var type: String
        public var payload: JSONB

        public init(jobID: UUID, token: Int64, type: String, payload: JSONB) {
            self.jobID = jobID
            self.token = token
            self.type = type
            self.payload = payload
        }
    }

    /// Appends events to many jobs in one statement; events of jobs whose lease is lost are
    /// dropped. Returns the sequence numbers given, per job, in order.
    @discardableResult
    public func appendEvents(_ events: [NewEvent]) async throws -> [UUID: [Int64]] {
        guard !events.isEmpty else { return [:] }
        let parameters: [any PostgresEncodable] = [
            events.map(\.jobID), events.map(\.token), events.map(\.type), events.map(\.payload),
        ]
        let rows = try await pool.withConnection { connection in
            try connection.query(JobSQL.appendEvents, parameters).map { row throws(PostgresError) in
                (try row.decode(0, as: UUID.self), try row.decode(1, as: Int64.self))
            }
        }
        var sequences: [UUID: [Int64]] = [:]
        for (job, seq) in rows { sequences[job, default: []].append(seq) }
        for job in sequences.keys { sequences[job]?.sort() }
        return sequences
    }

    public func storeArtifact(
        jobID: UUID, token: Int64, nodeID: String, name: String, contentType: String, bytes: Data
    ) async throws -> GuardedWrite {
        try await pool.withConnection { connection in
            try connection.query(JobSQL.storeArtifact, [jobID, token, nodeID, name, contentType, bytes]).isEmpty
                ? .leaseLost : .applied
        }
    }

    // MARK: Maintenance

    public struct ReclaimReport: Sendable, Equatable {
        public var requeued: [UUID] = []
        public var failed: [UUID] = []
        public var cancelled: [UUID] = []
        public var timedOut: [UUID] = []
        public var refunded: Int64 = 0
    }

    /// The reclaimer's whole logic: requeues (or fails, or cancels) every job whose lease
    /// expired, in batches by id, then fails jobs past their timeout. The loop around it
    /// only calls it on a timer.
    public func reclaimOnce() async throws -> ReclaimReport {
        let batch = configuration.reclaimBatchSize
        let base = configuration.backoffBase.seconds * 1000
        let cap = configuration.backoffCap.seconds * 1000
        return try await pool.withConnection { connection in
            var report = ReclaimReport()
            var cursor = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            while true {
                let result = try connection.query(JobSQL.reclaimExpired, [cursor, batch, base, cap])
                var scanned = 0
                for row in result {
                    guard let id = try row.decode(0, as: UUID?.self) else {
                        if let last = try row.decode(2, as: UUID?.self) { cursor = last }
                        scanned = try row.decode(3, as: Int.self)
                        report.refunded += try row.decode(4, as: Int64.self)
                        continue
                    }
                    switch try row.decode(1, as: JobStatus.self) {
                    case .queued: report.requeued.append(id)
                    case .cancelled: report.cancelled.append(id)
                    case .failed: report.failed.append(id)
                    case .pending, .running, .completed:
                        throw PostgresError(kind: .decoding, message: "a reclaim cannot leave job \(id) in this state")
                    }
                }
                if scanned < batch { break }
            }
            while true {
                let result = try connection.query(JobSQL.failTimedOut, [batch])
                for row in result { report.timedOut.append(try row.decode(0, as: UUID.self)) }
                if let refund = try result.first({ row throws(PostgresError) in try row.decode(1, as: Int64.self) }) {
                    report.refunded += refund
                }
                if result.count < batch { break }
            }
            return report
        }
    }

    /// Deletes events and artifacts of jobs finished longer ago than `keepResult`.
    /// Returns (events, artifacts) deleted; nothing when `keepResult` is zero.
    @discardableResult
    public func prune() async throws -> (events: Int, artifacts: Int) {
        let keep = configuration.keepResult.seconds
        guard keep > 0 else { return (0, 0) }
        return try await pool.withConnection { connection in
            let row = try connection.query(JobSQL.prune, [keep])[0]
            return (try row.decode(0, as: Int.self), try row.decode(1, as: Int.self))
        }
    }

    // MARK: Reading

    public func job(_ id: UUID) async throws -> JobRecord? {
        try await pool.withConnection { connection in
            try connection.query(JobSQL.get, [id]).first(JobRecord.decode)
        }
    }

    /// A job's events after sequence number `after`, in order: how a late or reconnecting
    /// client catches up.
    public func events(of jobID: UUID, after: Int64 = 0) async throws -> [JobEvent] {
        try await pool.withConnection { connection in
            try connection.query(JobSQL.events, [jobID, after]).map { row throws(PostgresError) in
                JobEvent(seq: try row.decode(0), type: try row.decode(1), payload: try row.decode(2), createdAt: try row.decode(3))
            }
        }
    }
}
