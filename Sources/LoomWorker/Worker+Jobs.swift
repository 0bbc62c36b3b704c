import Crypto
import Foundation
import Synchronization
import LoomColumnar
import LoomWire
import NIOCore

/// How a job's body ended.
enum JobOutcome: Sendable {
    case completed(result: [UInt8])
    case failed(kind: String, message: String, nodeID: String?, retryable: Bool)
    case stopped
}

extension Worker {
    /// A LeaseGrant: accept it and start the job, or say why not.
    func accept(_ grant: LeaseGrant) {
        let reject = { (reason: LeaseReject.Reason, message: String) in
            self.link.send(.leaseReject(LeaseReject(jobID: grant.jobID, fencingToken: grant.fencingToken, reason: reason, message: message)))
        }
        if draining.load(ordering: .relaxed) { return reject(.draining, "worker is draining") }
        guard jobs.start(grant.jobID, token: grant.fencingToken, limit: configuration.slots) else {
            return reject(.noFreeSlot, "all \(configuration.slots) slots are busy")
        }
        link.send(.leaseAccept(LeaseAccept(jobID: grant.jobID, fencingToken: grant.fencingToken, startedAt: WireTime(millisecondsSinceEpoch: Self.nowMilliseconds))))
        Task {
            let outcome: JobOutcome
            switch grant.kind {
            case .bench: outcome = await runBench(grant)
            case .ingestion: outcome = await withTaskExecutorPreference(cpu) { await self.runIngestion(grant) }
            case .workflow: outcome = await withTaskExecutorPreference(cpu) { await self.runWorkflow(grant) }
            }
            finish(grant, outcome)
        }
    }

    private func finish(_ grant: LeaseGrant, _ outcome: JobOutcome) {
        let reason = jobs.finish(grant.jobID)
        let job = grant.jobID
        let token = grant.fencingToken
        let now = WireTime(millisecondsSinceEpoch: Self.nowMilliseconds)
        if reason == .lost { return }
        switch outcome {
        case .completed(let result):
            link.send(.jobCompleted(JobCompleted(jobID: job, fencingToken: token, completedAt: now, result: ByteBuffer(bytes: result))))
        case .failed(let kind, let message, let nodeID, let retryable) where reason == nil:
            link.send(.jobFailed(JobFailed(jobID: job, fencingToken: token, failedAt: now, errorKind: kind, message: message, trace: "", nodeID: nodeID, retryable: retryable)))
        case .failed, .stopped:
            switch reason {
            case .cancelled: link.send(.cancelAck(CancelAck(jobID: job, fencingToken: token)))
            case .handedBack: link.send(.leaseReject(LeaseReject(jobID: job, fencingToken: token, reason: .draining, message: "worker drained before the job finished")))
            case .lost, nil:
                link.send(.jobFailed(JobFailed(jobID: job, fencingToken: token, failedAt: now, errorKind: "stopped", message: "the job stopped", trace: "", nodeID: nil, retryable: true)))
            }
        }
    }

    func isStopping(_ job: WireUUID) -> Bool { jobs.stopReason(job) != nil }

    // MARK: Bench (the trivial job kind for benchmarks and tests)

    /// Spec: `{"sleepMs": 0, "nodes": 0, "progress": 0, "creditCost": 0, "fail": null}`. It
    /// reports `nodes` node events (running, then completed, with `progress` progress
    /// events between), sleeps `sleepMs` in all (stopping within 10 ms when told), and
    /// completes with `{"creditCost", "startedAtMs", "worker", "attempt"}`; with `fail`
    /// ("retryable" or "fatal") it fails instead.
    func runBench(_ grant: LeaseGrant) async -> JobOutcome {
        let started = Self.nowMilliseconds
        let spec = (try? JSONSerialization.jsonObject(with: Data(grant.spec.readableBytesView)) as? [String: Any]) ?? [:]
        let sleepMs = (spec["sleepMs"] as? NSNumber)?.intValue ?? 0
        let nodes = (spec["nodes"] as? NSNumber)?.intValue ?? 0
        let progress = (spec["progress"] as? NSNumber)?.intValue ?? 0
        let cost = (spec["creditCost"] as? NSNumber)?.int64Value ?? 0
        let job = grant.jobID
        let token = grant.fencingToken
        let reporter = WorkerReporter(worker: self, job: job, token: token)
        let steps = max(1, nodes)
        for step in 0..<steps {
            let node = "node-\(step + 1)"
            if nodes > 0 { await reporter.nodeStatus(node, .running, message: "") }
            for tick in 0..<max(1, progress) {
                let slice = sleepMs / steps / max(1, progress)
                if slice > 0, await !sleep(milliseconds: slice, job: job) { return .stopped }
                if progress > 0 { await reporter.nodeProgress(node, fraction: Double(tick + 1) / Double(progress), message: "") }
            }
            if nodes > 0 { await reporter.nodeStatus(node, .completed, message: "") }
        }
        if isStopping(job) { return .stopped }
        switch spec["fail"] as? String {
        case "retryable": return .failed(kind: "bench_failure", message: "the bench job was told to fail", nodeID: nil, retryable: true)
        case "fatal": return .failed(kind: "bench_failure", message: "the bench job was told to fail", nodeID: nil, retryable: false)
        default: break
        }
        let result = "{\"creditCost\":\(cost),\"startedAtMs\":\(started),\"worker\":\"\(configuration.name)\",\"attempt\":\(grant.attempt)}"
        return .completed(result: Array(result.utf8))
    }

    /// Sleeps, waking every 10 ms to see whether the job must stop; false if it must.
    private func sleep(milliseconds: Int, job: WireUUID) async -> Bool {
        var left = milliseconds
        while left > 0 {
            if isStopping(job) { return false }
            let step = min(10, left)
            try? await Task.sleep(for: .milliseconds(step))
            left -= step
            jobs.progressed(job)
        }
        return !isStopping(job)
    }

    // MARK: Fetching and uploading, across reconnects

    /// Fetches `hashes` for the job, waiting for a connection and trying again when one
    /// drops. Throws when the job must stop or the coordinator lacks a chunk.
    func fetch(_ grant: LeaseGrant, _ hashes: [WireChunkHash]) async throws -> [WireChunkHash: [UInt8]] {
        var attempts = 0
        while true {
            if isStopping(grant.jobID) { throw StopError() }
            await link.waitUntilConnected()
            do {
                let (chunks, missing) = try await link.fetch(jobID: grant.jobID, token: grant.fencingToken, hashes: hashes)
                if !missing.isEmpty { throw JobFailure(kind: "missing_chunks", message: "the coordinator has no chunk \(missing[0])", retryable: false) }
                return chunks
            } catch let error as Link.LinkError {
                attempts += 1
                if attempts >= 5 { throw JobFailure(kind: "fetch_failed", message: error.description, retryable: true) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    func upload(_ grant: LeaseGrant, purpose: ChunkBegin.Purpose, name: String, chunks: [[UInt8]]) async throws {
        let named = chunks.map { bytes -> (WireChunkHash, [UInt8]) in
            let hash = ChunkHash(chunk: bytes)
            return (WireChunkHash(high: hash.checksum, low: hash.second), bytes)
        }
        var attempts = 0
        while true {
            if isStopping(grant.jobID) { throw StopError() }
            await link.waitUntilConnected()
            do {
                try await link.upload(jobID: grant.jobID, token: grant.fencingToken, purpose: purpose, name: name, chunks: named)
                return
            } catch let error as Link.LinkError {
                attempts += 1
                if attempts >= 5 { throw JobFailure(kind: "upload_failed", message: error.description, retryable: true) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    struct StopError: Error {}

    struct JobFailure: Error {
        var kind: String
        var message: String
        var nodeID: String? = nil
        var retryable: Bool
    }

    // MARK: Ingestion

    /// Spec: `{"target": "column"?, "rowsPerChunk": n?}`. The lease's chunks are the
    /// upload's parts (named by part number and MD5 prefix, proto/PROTOCOL.md §5.1).
    func runIngestion(_ grant: LeaseGrant) async -> JobOutcome {
        do {
            let spec = (try? JSONSerialization.jsonObject(with: Data(grant.spec.readableBytesView)) as? [String: Any]) ?? [:]
            let names = grant.chunks.map(\.hash)
            let parts = try await fetch(grant, names)
            var csv: [UInt8] = []
            csv.reserveCapacity(grant.chunks.reduce(0) { $0 + Int($1.byteCount) })
            for name in names {
                guard let part = parts[name] else { throw JobFailure(kind: "missing_chunks", message: "upload part \(name.high) did not arrive", retryable: true) }
                let digest = Array(Insecure.MD5.hash(data: part).prefix(8))
                let expected = (0..<8).map { UInt8(truncatingIfNeeded: name.low >> UInt64(56 - 8 * $0)) }
                guard digest == expected else { throw JobFailure(kind: "corrupt_upload", message: "upload part \(name.high) does not match its MD5", retryable: true) }
                csv.append(contentsOf: part)
            }
            if isStopping(grant.jobID) { return .stopped }
            var options = CSVOptions()
            if let rows = (spec["rowsPerChunk"] as? NSNumber)?.intValue, rows > 0 { options.rowsPerChunk = rows }
            options.encodesChunks = true
            var encoded: [[UInt8]] = []
            let ingestion: CSVIngestion
            do {
                ingestion = try CSVIngestor(options: options).ingest(CSVMemorySource(csv), target: spec["target"] as? String) { chunk in
                    if let bytes = chunk.encoded { encoded.append(bytes) }
                }
            } catch let error as CSVError {
                throw JobFailure(kind: "invalid_data", message: "\(error)", retryable: false)
            }
            if isStopping(grant.jobID) { return .stopped }
            try await upload(grant, purpose: .dataset, name: "dataset", chunks: encoded)
            let profile = String(decoding: try JSONEncoder().encode(ingestion.profile), as: UTF8.self)
            let result = "{\"creditCost\":0,\"ingestion\":{\"rowCount\":\(ingestion.rowCount),\"columnCount\":\(ingestion.schema.count),\"chunkCount\":\(encoded.count),\"profile\":\(profile)}}"
            return .completed(result: Array(result.utf8))
        } catch let failure as JobFailure {
            return .failed(kind: failure.kind, message: failure.message, nodeID: failure.nodeID, retryable: failure.retryable)
        } catch is StopError {
            return .stopped
        } catch {
            return .failed(kind: "internal", message: "\(error)", nodeID: nil, retryable: true)
        }
    }

    // MARK: Workflow

    func runWorkflow(_ grant: LeaseGrant) async -> JobOutcome {
        do {
            var dataset: Table?
            if !grant.chunks.isEmpty {
                let wanted = grant.chunks.map(\.hash).filter { cache.get($0) == nil }
                if !wanted.isEmpty {
                    for (hash, bytes) in try await fetch(grant, Array(Set(wanted))) {
                        let actual = ChunkHash(chunk: bytes)
                        guard actual.checksum == hash.high, actual.second == hash.low else {
                            throw JobFailure(kind: "corrupt_chunk", message: "chunk \(hash) does not match its content hash", retryable: true)
                        }
                        cache.put(hash, bytes)
                    }
                }
                var tables: [Table] = []
                for reference in grant.chunks {
                    guard let bytes = cache.get(reference.hash) else {
                        throw JobFailure(kind: "missing_chunks", message: "chunk \(reference.hash) fell out of the cache", retryable: true)
                    }
                    tables.append(try ChunkDecoder().decode(bytes))
                }
                guard let joined = Table.joining(tables) else {
                    throw JobFailure(kind: "invalid_data", message: "the dataset's chunks do not share one schema", retryable: false)
                }
                dataset = joined
            }
            let input = WorkflowJobInput(
                jobID: UUID(wire: grant.jobID), attempt: Int(grant.attempt), spec: Array(grant.spec.readableBytesView), dataset: dataset)
            let reporter = WorkerReporter(worker: self, job: grant.jobID, token: grant.fencingToken)
            let job = grant.jobID
            let outcome = try await runner.run(input, reporter: reporter, isCancelled: { [jobs] in jobs.stopReason(job) != nil })
            await reporter.flushProgress()
            if isStopping(job) { return .stopped }
            var summary = (try? JSONSerialization.jsonObject(with: Data(outcome.result)) as? [String: Any]) ?? [:]
            summary["creditCost"] = outcome.creditCost
            let result = (try? JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])) ?? Data("{\"creditCost\":\(outcome.creditCost)}".utf8)
            return .completed(result: Array(result))
        } catch let failure as WorkflowJobFailure {
            return .failed(kind: failure.kind, message: failure.message, nodeID: failure.nodeID, retryable: failure.retryable)
        } catch let failure as JobFailure {
            return .failed(kind: failure.kind, message: failure.message, nodeID: failure.nodeID, retryable: failure.retryable)
        } catch is StopError {
            return .stopped
        } catch {
            if isStopping(grant.jobID) { return .stopped }
            return .failed(kind: "internal", message: "\(error)", nodeID: nil, retryable: true)
        }
    }
}

extension UUID {
    init(wire: WireUUID) { self.init(uuid: wire.uuid) }
}
