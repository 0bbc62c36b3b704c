import Foundation
import LoomColumnar
import LoomWire
import NIOCore
import Synchronization

/// Forwards a running job's events to the coordinator as they happen. Progress is
/// throttled to at most 10 per second per node; a held-back one goes out before the
/// node's next status, so the last word on a node is never lost.
final class WorkerReporter: WorkflowJobReporter, Sendable {
    private let worker: Worker
    private let job: WireUUID
    private let token: UInt64
    private let throttle = Mutex<[String: (sentAt: Int64, pending: NodeProgress?)]>([:])
    private let nextArtifact = Atomic<UInt32>(1)

    init(worker: Worker, job: WireUUID, token: UInt64) {
        self.worker = worker
        self.job = job
        self.token = token
    }

    private var now: WireTime { WireTime(millisecondsSinceEpoch: Worker.nowMilliseconds) }
    private var stopped: Bool { worker.isStopping(job) }

    func nodeStatus(_ nodeID: String, _ state: WorkflowNodeState, message: String) async {
        guard !stopped else { return }
        let held = throttle.withLock { $0.removeValue(forKey: nodeID)?.pending }
        var messages: [WireMessage] = held.map { [.nodeProgress($0)] } ?? []
        messages.append(.nodeStatus(NodeStatus(jobID: job, fencingToken: token, nodeID: nodeID, state: NodeState(state), at: now, message: message)))
        worker.link.send(messages)
        worker.jobs.progressed(job)
    }

    func nodeProgress(_ nodeID: String, fraction: Double, message: String) async {
        guard !stopped, fraction.isFinite else { return }
        let progress = NodeProgress(jobID: job, fencingToken: token, nodeID: nodeID, fraction: min(1, max(0, fraction)), at: now, message: message)
        let nowMs = Worker.nowMilliseconds
        let send = throttle.withLock { throttle -> Bool in
            let last = throttle[nodeID]?.sentAt ?? 0
            if nowMs - last >= 100 {
                throttle[nodeID] = (nowMs, nil)
                return true
            }
            throttle[nodeID] = (last, progress)
            return false
        }
        if send { worker.link.send(.nodeProgress(progress)) }
        worker.jobs.progressed(job)
    }

    /// Sends the progress held back by the throttle.
    func flushProgress() async {
        let held = throttle.withLock { throttle -> [NodeProgress] in
            defer { throttle.removeAll() }
            return throttle.values.compactMap(\.pending)
        }
        if !held.isEmpty, !stopped { worker.link.send(held.map { .nodeProgress($0) }) }
    }

    func metrics(_ nodeID: String, _ values: [(name: String, value: Double)]) async {
        guard !stopped else { return }
        worker.link.send(.metrics(Metrics(jobID: job, fencingToken: token, nodeID: nodeID, at: now, values: values.map { Metrics.Metric(name: $0.name, value: $0.value) })))
    }

    func artifact(nodeID: String, name: String, contentType: String, bytes: [UInt8]) async throws {
        guard !stopped else { throw Worker.StopError() }
        let maxFrame = worker.link.session?.maxFrameSize ?? Frame.defaultMaxFrameSize
        let parts = Artifact.parts(
            jobID: job, fencingToken: token, artifactID: nextArtifact.wrappingAdd(1, ordering: .relaxed).oldValue, nodeID: nodeID, name: name,
            contentType: contentType, bytes: ByteBuffer(bytes: bytes), maxFrameSize: maxFrame)
        worker.link.send(parts.map { .artifact($0) })
    }

    func output(nodeID: String, name: String, table: Table) async throws {
        guard !stopped else { throw Worker.StopError() }
        let chunks = try ChunkEncoder().encodeChunks(table)
        try await worker.upload(
            LeaseGrant(jobID: job, kind: .workflow, fencingToken: token, attempt: 0, deadline: now, spec: ByteBuffer(), datasetID: nil, chunks: []),
            purpose: .nodeOutput, name: "\(nodeID)/\(name)", chunks: chunks)
    }
}

extension NodeState {
    init(_ state: WorkflowNodeState) {
        switch state {
        case .pending: self = .pending
        case .running: self = .running
        case .completed: self = .completed
        case .failed: self = .failed
        case .skipped: self = .skipped
        }
    }
}
