import Foundation

/// A lease as the cluster hands it to a worker: the lease and what the job runs with.
public struct ClusterLease: Sendable, Hashable {
    public var lease: JobLease
    /// The worker instance the job was leased to.
    public var owner: UUID
    /// The snapshot's `{"nodes": …, "edges": …}` for a workflow job, the job's spec otherwise.
    public var spec: JSONB?
}

/// A chunk of a job's input as the lease lists it.
public struct InputChunkReference: Sendable, Hashable {
    /// The content hash (a dataset chunk) or the part name (an upload part, see `uploadParts`).
    public var hash: Data
    public var rowCount: Int32
    public var byteCount: Int32
}

/// A chunk a job streamed back.
public struct OutputChunk: Sendable, Equatable {
    public var index: Int32
    public var rowCount: Int32
    public var contentHash: Data
    public var bytes: Data
    public var nodeID: String?
}

extension JobQueue {
    /// Leases up to `limit` due jobs to `worker`, by priority then age; with `perUserCap`
    /// above zero, no user has more than that many jobs running. Returns each job's spec too.
    public func leaseForCluster(worker: UUID, limit: Int, perUserCap: Int = 0) async throws -> [ClusterLease] {
        try await leaseForCluster(slots: Array(repeating: worker, count: max(0, limit)), perUserCap: perUserCap)
    }

    /// Leases due jobs to several workers in one statement: one job at most for each entry
    /// of `slots` (a worker instance per free slot), by priority then age; the first jobs
    /// go to the first slots, so a caller that interleaves its workers shares a short queue
    /// among them. With `perUserCap` above zero, no user has more than that many jobs
    /// running. Returns each job's spec and owner too.
    public func leaseForCluster(slots: [UUID], perUserCap: Int = 0) async throws -> [ClusterLease] {
        guard !slots.isEmpty else { return [] }
        let ttl = configuration.leaseTTL.seconds
        let creditWait = configuration.creditWait.seconds
        let capped = perUserCap > 0
        let parameters: [any PostgresEncodable] =
            capped ? [slots, ttl, creditWait, perUserCap] : [slots, ttl, creditWait]
        return try await pool.withConnection { connection in
            try connection.query(capped ? ClusterSQL.leaseCapped : JobSQL.lease, parameters).map {
                row throws(PostgresError) in
                ClusterLease(
                    lease: JobLease(
                        jobID: try row.decode(0), userID: try row.decode(1), kind: try row.decode(2),
                        snapshotID: try row.decode(3), datasetID: try row.decode(4), token: try row.decode(5),
                        attempt: try row.decode(6), maxTries: try row.decode(7), expiresAt: try row.decode(8),
                        timeoutSeconds: try row.decode(9), creditEstimate: try row.decode(10)),
                    owner: try row.decode(12),
                    spec: try row.decode(11))
            }
        }
    }

    /// Gives a leased job back without using up one of its tries (the worker rejected the
    /// lease, or drained before it could finish): queued again after `delay`. A job whose
    /// cancellation was requested ends cancelled instead.
    public func release(jobID: UUID, token: Int64, reason: String, delay: Duration = .zero) async throws -> GuardedWrite {
        try await pool.withConnection { connection in
            try connection.query(ClusterSQL.release, [jobID, token, delay.seconds, reason])[0].decode(0, as: Int.self) > 0
                ? .applied : .leaseLost
        }
    }

    /// The chunks of the dataset a job reads, in row order.
    public func datasetChunks(of jobID: UUID) async throws -> [InputChunkReference] {
        try await pool.withConnection { connection in
            try connection.query(ClusterSQL.datasetChunkList, [jobID]).map { row throws(PostgresError) in
                InputChunkReference(hash: try row.decode(2), rowCount: try row.decode(1), byteCount: try row.decode(3))
            }
        }
    }

    /// The uploaded CSV of the dataset an ingestion job reads, as a list of parts. A part's
    /// 16-byte name is its number (u64, big-endian) then the first 8 bytes of its MD5.
    public func uploadParts(of jobID: UUID) async throws -> [InputChunkReference] {
        try await pool.withConnection { connection in
            try connection.query(ClusterSQL.uploadPartList, [jobID]).map { row throws(PostgresError) in
                let part = try row.decode(0, as: Int32.self)
                var name = Data()
                withUnsafeBytes(of: UInt64(part).bigEndian) { name.append(contentsOf: $0) }
                name.append(try row.decode(2, as: Data.self))
                return InputChunkReference(hash: name, rowCount: 0, byteCount: try row.decode(1))
            }
        }
    }

    public enum FetchResult: Sendable, Equatable {
        case found(Data)
        case missing
        case leaseLost
    }

    /// A chunk of the job's dataset by content hash, read under the lease.
    public func fetchDatasetChunk(jobID: UUID, token: Int64, hash: Data) async throws -> FetchResult {
        try await fetch(ClusterSQL.fetchDatasetChunk, [jobID, token, hash])
    }

    /// Part `part` of the upload an ingestion job reads, under the lease.
    public func fetchUploadPart(jobID: UUID, token: Int64, part: Int32) async throws -> FetchResult {
        try await fetch(ClusterSQL.fetchUploadPart, [jobID, token, part])
    }

    private func fetch(_ sql: String, _ parameters: [any PostgresEncodable]) async throws -> FetchResult {
        try await pool.withConnection { connection in
            let row = try connection.query(sql, parameters)[0]
            guard try row.decode(0, as: Int.self) > 0 else { return .leaseLost }
            guard let bytes = try row.decode(1, as: Data?.self) else { return .missing }
            return .found(bytes)
        }
    }

    /// Stores one chunk a job streamed back, under the lease.
    public func storeOutputChunk(
        jobID: UUID, token: Int64, stream: String, nodeID: String?, index: Int32, rowCount: Int32, hash: Data, bytes: Data
    ) async throws -> GuardedWrite {
        try await pool.withConnection { connection in
            try connection.query(ClusterSQL.storeOutputChunk, [jobID, token, stream, nodeID, index, rowCount, hash, bytes]).isEmpty
                ? .leaseLost : .applied
        }
    }

    public enum IngestionCompletion: Sendable, Equatable {
        case applied
        case leaseLost
        /// The dataset was no longer ingesting (deleted, failed): nothing was stored.
        case datasetNotIngesting
    }

    /// Completes an ingestion job: its streamed chunks become the dataset's, the dataset is
    /// ready with its profile, and the job is completed (charged `cost`), in one transaction.
    public func completeIngestion(
        jobID: UUID, token: Int64, profile: JSONB, rowCount: Int64, columnCount: Int32, cost: Int64
    ) async throws -> IngestionCompletion {
        struct NotIngesting: Error {}
        do {
            return try await pool.transaction { connection in
                guard let dataset = try connection.query(ClusterSQL.lockHeldJob, [jobID, token]).first({
                    row throws(PostgresError) in try row.decode(0, as: UUID?.self)
                }) else { return .leaseLost }
                guard let dataset else { throw NotIngesting() }
                _ = try connection.query(ClusterSQL.moveDatasetChunks, [jobID, token, dataset])
                if try connection.query(ClusterSQL.markDatasetReady, [dataset, profile, rowCount, columnCount]).isEmpty {
                    throw NotIngesting()
                }
                _ = try connection.query(JobSQL.complete, [[jobID], [token], [cost]])
                _ = try connection.query(ClusterSQL.dropStagedChunks, [jobID])
                return .applied
            }
        } catch is NotIngesting {
            return .datasetNotIngesting
        }
    }

    /// Datasets of ingestion jobs among `jobs` that ended failed or cancelled are marked
    /// failed. Returns the datasets changed.
    @discardableResult
    public func failIngestionDatasets(jobs: [UUID]) async throws -> [UUID] {
        guard !jobs.isEmpty else { return [] }
        return try await pool.withConnection { connection in
            try connection.query(ClusterSQL.failIngestionDatasets, [jobs]).map { try $0.decode(0, as: UUID.self) }
        }
    }

    /// The chunks of `stream` the job's final attempt stored (a node's predictions, say).
    public func outputChunks(of jobID: UUID, stream: String) async throws -> [OutputChunk] {
        try await pool.withConnection { connection in
            try connection.query(ClusterSQL.outputChunks, [jobID, stream]).map { row throws(PostgresError) in
                OutputChunk(
                    index: try row.decode(0), rowCount: try row.decode(1), contentHash: try row.decode(2),
                    bytes: try row.decode(3), nodeID: try row.decode(4))
            }
        }
    }
}
