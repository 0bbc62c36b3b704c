import LoomWire

/// One authenticated worker's session as the coordinator sees it: a pure state machine.
/// The connection task feeds it every message and carries out the action it returns;
/// the dispatcher asks it for free slots and tells it what it granted.
///
///     active ──Drain (either way)──▶ draining ──connection ends──▶ closed
///
/// It tracks which jobs the worker holds (granted or re-announced, not yet finished), so
/// that free slots are known without a database round trip; the jobs the worker finished
/// whose last write is not committed yet, so that their leases stay renewed meanwhile; and
/// the chunk streams in flight in both directions with their windows.
///
/// Slots never leak: a worker may drop a job without a word (its lease was lost, or its
/// heartbeats went unanswered for a TTL), but every heartbeat lists all it holds, and it
/// comes after the LeaseAccept of every grant the worker had taken (one ordered stream).
/// So a confirmed job that a heartbeat leaves out is no longer held.
public struct CoordinatorSession: Sendable {
    public enum Phase: Sendable, Equatable {
        case active
        case draining
        case closed
    }

    /// What the owner must do with an inbound message.
    public enum Action: Sendable {
        /// Renew the leases the heartbeat lists and those of `committing` (one statement)
        /// and answer HeartbeatAck.
        case heartbeat(Heartbeat, committing: [WireUUID])
        /// A write on a job's state, checked against its fencing token in the store.
        case write(JobWrite)
        /// Serve a fetch stream of the job's dataset.
        case serveFetch(FetchChunks)
        /// An ack for a stream the coordinator sends.
        case fetchAcknowledged(ChunkAck)
        /// Store a chunk of an inbound stream, then send the ack this returns.
        case storeChunk(InboundStream, ChunkData)
        /// Protocol violation: send Error and close the connection.
        case fail(WireError)
        case close(reason: String)
        case none
    }

    /// A worker → coordinator chunk stream.
    public struct InboundStream: Sendable, Hashable {
        public var begin: ChunkBegin
        public var receiver: ChunkStreamReceiver
        /// ChunkEnd arrived; the stream is forgotten once its last chunk is stored.
        public var ended = false
        public var storedName: String {
            switch begin.purpose {
            case .dataset: "dataset"
            case .nodeOutput, .fetchReply: begin.name
            }
        }
        /// Node outputs are named "nodeID/output".
        public var nodeID: String? {
            guard begin.purpose == .nodeOutput, let slash = begin.name.firstIndex(of: "/") else { return nil }
            return String(begin.name[..<slash])
        }
    }

    public let worker: AuthenticatedWorker
    public private(set) var phase = Phase.active
    /// Drained by an operator (admin API): leased nothing until undrained.
    public private(set) var paused = false
    /// Jobs the worker holds: job → fencing token.
    public private(set) var held: [WireUUID: UInt64] = [:]
    /// Held jobs the worker confirmed it holds (LeaseAccept, or listed in a heartbeat).
    private var confirmed: Set<WireUUID> = []
    /// Jobs the worker finished whose last write (completion, failure, hand-back) is not
    /// committed yet: job → fencing token. Their leases are renewed with the worker's
    /// heartbeats until it is, so a backlog of writes never lets a finished job's lease
    /// expire and the job run again.
    public private(set) var committing: [WireUUID: UInt64] = [:]
    private var inbound: [UInt32: InboundStream] = [:]
    /// Jobs this session saw finish. A heartbeat answered after a job finished may still
    /// list it as renewed (its completion was not committed yet); it must not take a slot again.
    private var finished: Set<WireUUID> = []
    private let chunkWindow: Int
    private let maxStreams = 64

    public init(worker: AuthenticatedWorker, chunkWindow: Int) {
        self.worker = worker
        self.chunkWindow = chunkWindow
    }

    public var capacity: Int { Int(worker.slots) }
    public var freeSlots: Int { phase == .active && !paused ? max(0, capacity - held.count) : 0 }

    /// The dispatcher pushed these leases.
    public mutating func granted(_ jobs: [(WireUUID, UInt64)]) {
        for (job, token) in jobs { held[job] = token }
    }

    /// The job no longer occupies a slot (finished, given back, lost).
    public mutating func released(_ job: WireUUID) {
        held[job] = nil
        confirmed.remove(job)
        markFinished(job)
    }

    /// The worker sent its last word on a job: the slot is free, the write is on its way.
    private mutating func finishing(_ job: WireUUID, token: UInt64) {
        released(job)
        committing[job] = token
    }

    /// The last write on a job was committed (or refused, or failed): stop renewing it.
    public mutating func committed(_ job: WireUUID, token: UInt64) {
        if committing[job] == token { committing[job] = nil }
    }

    private mutating func markFinished(_ job: WireUUID) {
        // Bounded: a session that finished this many jobs forgets the oldest word on them;
        // by then every heartbeat that listed them has long been answered.
        if finished.count >= 100_000 { finished.removeAll(keepingCapacity: true) }
        finished.insert(job)
    }

    /// A heartbeat's answer: re-announced jobs still held are the worker's again, and the
    /// ones it no longer holds are dropped.
    public mutating func heartbeatAnswered(renewed: [(WireUUID, UInt64)], notHeld: [WireUUID]) {
        guard phase != .closed else { return }
        for (job, token) in renewed where !finished.contains(job) {
            held[job] = token
            confirmed.insert(job)
        }
        for job in notHeld {
            held[job] = nil
            confirmed.remove(job)
        }
    }

    /// A heartbeat lists every job the worker holds: confirmed jobs it leaves out were
    /// dropped without a word, and their slots are free again.
    private mutating func reconcile(_ heartbeat: Heartbeat) {
        guard !confirmed.isEmpty else { return }
        let listed = Set(heartbeat.jobs.map(\.jobID))
        for job in confirmed where !listed.contains(job) { released(job) }
    }

    public mutating func drain() {
        if phase == .active { phase = .draining }
    }

    /// An operator's drain: no new leases, though the worker stays (its jobs finish as usual).
    public mutating func pause() { paused = true }

    /// An operator's undrain: leases flow to the worker again.
    public mutating func resume() { paused = false }

    /// The worker ended the session in order (Goodbye, Error, or it closed its side): closes
    /// it and returns the grants the worker never accepted, for the owner to release at once.
    /// The worker answers every grant it receives (a draining one with LeaseReject) before
    /// its last frame, on one ordered stream, so these are grants that crossed that frame:
    /// they will never run there, and waiting for their lease TTL would only delay them.
    public mutating func endedByWorker() -> [(job: WireUUID, token: UInt64)] {
        guard phase != .closed else { return [] }
        let unaccepted = held.filter { !confirmed.contains($0.key) }.map { (job: $0.key, token: $0.value) }
        close()
        return unaccepted
    }

    public mutating func close() {
        phase = .closed
        held = [:]
        confirmed = []
        committing = [:]
        inbound = [:]
    }

    public mutating func received(_ message: WireMessage) -> Action {
        guard phase != .closed else { return .none }
        switch message {
        case .heartbeat(let heartbeat):
            reconcile(heartbeat)
            return .heartbeat(heartbeat, committing: Array(committing.keys))
        case .leaseAccept(let accept):
            if held[accept.jobID] == accept.fencingToken { confirmed.insert(accept.jobID) }
            return .write(.accepted(accept))
        case .leaseReject(let reject):
            finishing(reject.jobID, token: reject.fencingToken)
            return .write(.rejected(reject))
        case .cancelAck(let ack):
            finishing(ack.jobID, token: ack.fencingToken)
            return .write(.cancelAcknowledged(ack))
        case .jobCompleted(let completed):
            finishing(completed.jobID, token: completed.fencingToken)
            return .write(.completed(completed))
        case .jobFailed(let failed):
            finishing(failed.jobID, token: failed.fencingToken)
            return .write(.failed(failed))
        case .nodeStatus(let status):
            return .write(.nodeStatus(status))
        case .nodeProgress(let progress):
            return .write(.nodeProgress(progress))
        case .metrics(let metrics):
            return .write(.metrics(metrics))
        case .artifact(let artifact):
            return .write(.artifact(artifact))
        case .chunkBegin(let begin):
            guard begin.purpose != .fetchReply else {
                return .fail(WireError(.invalidValue, messageType: MessageType.chunkBegin.rawValue, field: "purpose", "a worker does not send fetch replies"))
            }
            guard inbound[begin.streamID] == nil else {
                return .fail(WireError(.flowControl, messageType: MessageType.chunkBegin.rawValue, "stream \(begin.streamID) is already open"))
            }
            guard inbound.count < maxStreams else {
                return .fail(WireError(.flowControl, messageType: MessageType.chunkBegin.rawValue, "more than \(maxStreams) streams open"))
            }
            inbound[begin.streamID] = InboundStream(begin: begin, receiver: ChunkStreamReceiver(streamID: begin.streamID, window: chunkWindow))
            return .none
        case .chunk(let chunk):
            guard var stream = inbound[chunk.streamID], !stream.ended else {
                return .fail(WireError(.flowControl, messageType: MessageType.chunk.rawValue, "chunk for stream \(chunk.streamID), which is not open"))
            }
            do throws(WireError) {
                try stream.receiver.receive(chunk)
            } catch {
                return .fail(error)
            }
            inbound[chunk.streamID] = stream
            return .storeChunk(stream, chunk)
        case .chunkEnd(let end):
            guard var stream = inbound[end.streamID], !stream.ended else {
                return .fail(WireError(.flowControl, messageType: MessageType.chunkEnd.rawValue, "end of stream \(end.streamID), which is not open"))
            }
            do throws(WireError) {
                try stream.receiver.end(end)
            } catch {
                return .fail(error)
            }
            stream.ended = true
            inbound[end.streamID] = stream.receiver.processedCount == stream.receiver.receivedCount ? nil : stream
            return .none
        case .fetchChunks(let fetch):
            return .serveFetch(fetch)
        case .chunkAck(let ack):
            return .fetchAcknowledged(ack)
        case .drain:
            drain()
            return .none
        case .goodbye(let goodbye):
            return .close(reason: goodbye.reason)
        case .error(let error):
            return .close(reason: "worker error \(error.code): \(error.message)")
        case .hello, .challenge, .authenticate, .welcome, .reject, .heartbeatAck, .leaseGrant, .cancelJob, .chunksMissing:
            return .fail(WireError(.unexpectedMessage, messageType: message.type.rawValue, "\(message.type) is not sent by a worker in a session"))
        }
    }

    /// The owner stored the next chunk of a stream: the ack to send.
    public mutating func chunkStored(streamID: UInt32) -> ChunkAck? {
        guard var stream = inbound[streamID] else { return nil }
        let ack = stream.receiver.processed()
        inbound[streamID] = stream.ended && stream.receiver.processedCount == stream.receiver.receivedCount ? nil : stream
        return ack
    }
}

/// A write a worker makes on a job; every one carries the job id and fencing token.
public enum JobWrite: Sendable {
    case accepted(LeaseAccept)
    case rejected(LeaseReject)
    case cancelAcknowledged(CancelAck)
    case completed(JobCompleted)
    case failed(JobFailed)
    case nodeStatus(NodeStatus)
    case nodeProgress(NodeProgress)
    case metrics(Metrics)
    case artifact(Artifact)
}
