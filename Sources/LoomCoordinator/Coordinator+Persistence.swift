import Synchronization
import Logging
import Foundation
import LoomColumnar
import LoomStore
import LoomWire
import NIOCore

extension Coordinator {
    /// Carries out a worker's write on a job through the ordered writer. Every write is
    /// checked against the fencing token in the statement that makes it; a refused one
    /// tells the worker to stop the job. Once a job's last write (completion, failure,
    /// hand-back, cancel) is carried out, whatever came of it, the session stops renewing
    /// its lease.
    func persist(_ write: JobWrite, _ handle: SessionHandle) {
        switch write {
        case .accepted:
            // job_started was recorded with the lease itself (one statement fewer per job).
            break
        case .rejected(let reject):
            let job = UUID(wire: reject.jobID)
            let token = Int64(bitPattern: reject.fencingToken)
            writer.submit(.single(jobID: job) { queue in
                defer { handle.committed(job, token: token) }
                _ = try await queue.release(jobID: job, token: token, reason: "worker \(handle.worker.name): \(reject.reason) \(reject.message)")
            })
            wakeDispatcher()
        case .cancelAcknowledged(let ack):
            let job = UUID(wire: ack.jobID)
            let token = Int64(bitPattern: ack.fencingToken)
            writer.submit(.single(jobID: job) { queue in
                defer { handle.committed(job, token: token) }
                if try await queue.acknowledgeCancel(jobID: job, token: token) == .leaseLost {
                    // Stopped without a cancel request (a drain, a lost lease): give it back.
                    _ = try await queue.release(jobID: job, token: token, reason: "stopped by worker \(handle.worker.name)")
                }
            })
            wakeDispatcher()
        case .completed(let completed):
            completeJob(completed, handle)
            wakeDispatcher()
        case .failed(let failed):
            let job = UUID(wire: failed.jobID)
            let token = Int64(bitPattern: failed.fencingToken)
            let message = failed.nodeID.map { "\(failed.errorKind) at node \($0): \(failed.message)" } ?? "\(failed.errorKind): \(failed.message)"
            writer.submit(.single(jobID: job) { [weak self] queue in
                defer { handle.committed(job, token: token) }
                switch try await queue.fail(jobID: job, token: token, error: message, retryable: failed.retryable) {
                case .leaseLost: self?.stopZombie(handle, job: failed.jobID, token: failed.fencingToken)
                case .failed, .cancelled: try await queue.failIngestionDatasets(jobs: [job])
                case .retrying: break
                }
            })
            wakeDispatcher()
        case .nodeStatus(let status):
            let job = UUID(wire: status.jobID)
            let token = Int64(bitPattern: status.fencingToken)
            let state = LoomStore.NodeStatus(status.state)
            let error: String? = (state == .failed || state == .skipped) && !status.message.isEmpty ? status.message : nil
            writer.submit(.single(jobID: job) { [weak self] queue in
                if try await queue.setNodeStatus(jobID: job, token: token, nodeID: status.nodeID, status: state, error: error) == .leaseLost {
                    self?.stopZombie(handle, job: status.jobID, token: status.fencingToken)
                }
            })
        case .nodeProgress(let progress):
            let payload = SeedEvent.object([
                "type": .string("node_progress"), "job_id": .string(UUID(wire: progress.jobID).uuidString.lowercased()),
                "node_id": .string(progress.nodeID), "status": .string("running"), "progress": .number(progress.fraction),
                "message": .string(progress.message), "timestamp": .string(SeedEvent.timestamp(progress.at)),
            ])
            writer.submit(.event(.init(jobID: UUID(wire: progress.jobID), token: Int64(bitPattern: progress.fencingToken), type: "node_progress", payload: payload.jsonb)))
        case .metrics(let metrics):
            var values: [String: SeedEvent] = [:]
            for metric in metrics.values { values[metric.name] = .number(metric.value) }
            let payload = SeedEvent.object([
                "type": .string("metrics"), "job_id": .string(UUID(wire: metrics.jobID).uuidString.lowercased()),
                "node_id": .string(metrics.nodeID), "metrics": .object(values), "timestamp": .string(SeedEvent.timestamp(metrics.at)),
            ])
            writer.submit(.event(.init(jobID: UUID(wire: metrics.jobID), token: Int64(bitPattern: metrics.fencingToken), type: "metrics", payload: payload.jsonb)))
        case .artifact(let part):
            storeArtifactPart(part, handle)
        }
    }

    private func completeJob(_ completed: JobCompleted, _ handle: SessionHandle) {
        let job = UUID(wire: completed.jobID)
        let token = Int64(bitPattern: completed.fencingToken)
        let summary = CompletionSummary(Array(completed.result.readableBytesView))
        if let ingestion = summary.ingestion {
            writer.submit(.single(jobID: job) { [weak self] queue in
                defer { handle.committed(job, token: token) }
                let outcome = try await queue.completeIngestion(
                    jobID: job, token: token, profile: ingestion.profile, rowCount: ingestion.rowCount,
                    columnCount: ingestion.columnCount, cost: summary.creditCost ?? Int64.max)
                switch outcome {
                case .applied: break
                case .leaseLost: self?.stopZombie(handle, job: completed.jobID, token: completed.fencingToken)
                case .datasetNotIngesting:
                    _ = try await queue.fail(jobID: job, token: token, error: "the dataset is no longer being ingested", retryable: false)
                }
            })
        } else {
            // No reported cost: charge the reservation (the estimate is the ceiling anyway).
            let completion = JobQueue.Completion(jobID: job, token: token, cost: summary.creditCost ?? Int64.max)
            writer.submit(.complete(completion) { [weak self] outcome in
                handle.committed(job, token: token)
                if outcome == .leaseLost { self?.logger.notice("completion under a lost lease refused", metadata: ["job_id": "\(job)"]) }
            })
        }
    }

    private func storeArtifactPart(_ part: Artifact, _ handle: SessionHandle) {
        let key = SessionHandle.ArtifactKey(job: part.jobID, artifact: part.artifactID)
        let limit = configuration.maxArtifactBytes
        let complete: [UInt8]? = handle.artifacts.withLock { artifacts in
            var bytes = artifacts[key] ?? []
            guard part.totalSize <= UInt64(limit), part.offset == UInt64(bytes.count) else {
                artifacts[key] = nil
                return nil
            }
            bytes.append(contentsOf: part.bytes.readableBytesView)
            if UInt64(bytes.count) >= part.totalSize {
                artifacts[key] = nil
                return bytes
            }
            artifacts[key] = bytes
            return nil
        }
        guard let complete else { return }
        let job = UUID(wire: part.jobID)
        let token = Int64(bitPattern: part.fencingToken)
        writer.submit(.single(jobID: job) { [weak self] queue in
            if try await queue.storeArtifact(
                jobID: job, token: token, nodeID: part.nodeID, name: part.name, contentType: part.contentType, bytes: Data(complete)
            ) == .leaseLost {
                self?.stopZombie(handle, job: part.jobID, token: part.fencingToken)
            }
        })
    }

    /// Checks an inbound chunk (checksum, content hash) and queues it to be stored; the ack
    /// goes out once it is. Returns the error that fails the stream, if any.
    func storeChunk(_ stream: CoordinatorSession.InboundStream, _ chunk: ChunkData, _ handle: SessionHandle) -> WireError? {
        let bytes = Array(chunk.bytes.readableBytesView)
        let valid: Bool = bytes.withUnsafeBytes { raw in
            guard (try? ChunkDecoder.verifyChecksum(raw)) != nil else { return false }
            let hash = ChunkHash(chunk: raw)
            return hash.checksum == chunk.hash.high && hash.second == chunk.hash.low
        }
        guard valid, bytes.count >= 14 else {
            return WireError(.invalidValue, messageType: MessageType.chunk.rawValue, field: "hash", "chunk \(chunk.sequence) of stream \(chunk.streamID) fails its checksum or content hash")
        }
        let rowCount = Int32(truncatingIfNeeded: UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16 | UInt32(bytes[11]) << 24)
        let job = UUID(wire: chunk.jobID)
        let token = Int64(bitPattern: chunk.fencingToken)
        let name = stream.storedName
        let nodeID = stream.nodeID
        let streamID = chunk.streamID
        writer.submit(.single(jobID: job) { [weak self] queue in
            let outcome = try await queue.storeOutputChunk(
                jobID: job, token: token, stream: name, nodeID: nodeID, index: Int32(chunk.sequence), rowCount: rowCount,
                hash: chunk.hash.data, bytes: Data(bytes))
            if outcome == .leaseLost { self?.stopZombie(handle, job: chunk.jobID, token: chunk.fencingToken) }
            // Acked either way: the stream's window moves on; a zombie's chunks were refused.
            if let ack = handle.state.withLock({ $0.chunkStored(streamID: streamID) }) {
                handle.send(.chunkAck(ack))
            }
        })
        return nil
    }

    /// Serves a FetchChunks: a Chunk for every hash found (dataset chunks by content hash,
    /// upload parts by their name), ChunksMissing for the rest, ChunkEnd — within the window.
    func serveFetch(_ fetch: FetchChunks, _ handle: SessionHandle) async {
        let job = UUID(wire: fetch.jobID)
        let token = Int64(bitPattern: fetch.fencingToken)
        let window = handle.openFetchWindow(fetch.streamID, window: Int(configuration.chunkWindow))
        defer { handle.closeFetchWindow(fetch.streamID) }
        handle.send(
            .chunkBegin(ChunkBegin(jobID: fetch.jobID, fencingToken: fetch.fencingToken, streamID: fetch.streamID, purpose: .fetchReply, name: "", expectedChunks: UInt32(fetch.hashes.count))))
        var missing: [WireChunkHash] = []
        var sent: UInt32 = 0
        var aborted = false
        for hash in fetch.hashes {
            do {
                var result = try await queue.fetchDatasetChunk(jobID: job, token: token, hash: hash.data)
                if result == .missing, hash.high < UInt64(Int32.max) {
                    result = try await queue.fetchUploadPart(jobID: job, token: token, part: Int32(hash.high))
                }
                switch result {
                case .leaseLost:
                    aborted = true
                case .missing:
                    missing.append(hash)
                    continue
                case .found(let bytes):
                    guard await window.reserve() else { return }
                    let chunk = ChunkData(
                        jobID: fetch.jobID, fencingToken: fetch.fencingToken, streamID: fetch.streamID, sequence: sent, hash: hash,
                        bytes: ByteBuffer(bytes: bytes))
                    sent += 1
                    handle.send(.chunk(chunk))
                }
            } catch {
                logger.error("a worker's fetch failed", metadata: ["job_id": "\(job)", "error": "\(error)"])
                aborted = true
            }
            if aborted { break }
        }
        if !missing.isEmpty, !aborted { handle.send(.chunksMissing(ChunksMissing(streamID: fetch.streamID, hashes: missing))) }
        handle.send(.chunkEnd(ChunkEnd(jobID: fetch.jobID, fencingToken: fetch.fencingToken, streamID: fetch.streamID, chunkCount: sent, aborted: aborted)))
        if aborted { stopZombie(handle, job: fetch.jobID, token: fetch.fencingToken) }
    }
}

extension LoomStore.NodeStatus {
    init(_ state: NodeState) {
        switch state {
        case .pending: self = .pending
        case .running: self = .running
        case .completed: self = .completed
        case .failed: self = .failed
        case .skipped: self = .skipped
        }
    }
}
