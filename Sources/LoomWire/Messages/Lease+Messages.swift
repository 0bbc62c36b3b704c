import NIOCore

public enum JobKind: UInt8, Sendable, CaseIterable {
    case ingestion = 1
    case workflow = 2
    /// A trivial job kept for benchmarks and tests: its spec says how long to sleep and
    /// which events to send. A worker may refuse it (LeaseReject, unsupported kind).
    case bench = 3
}

/// A chunk of the job's dataset, by content hash (proto/CHUNKS.md).
public struct ChunkReference: Hashable, Sendable {
    public var hash: WireChunkHash
    public var rowCount: UInt32
    public var byteCount: UInt32
    public init(hash: WireChunkHash, rowCount: UInt32, byteCount: UInt32) {
        self.hash = hash
        self.rowCount = rowCount
        self.byteCount = byteCount
    }
}

/// Coordinator → worker: run this job. The worker answers LeaseAccept or LeaseReject.
public struct LeaseGrant: WirePayload {
    static let messageType = MessageType.leaseGrant
    public var jobID: WireUUID
    public var kind: JobKind
    /// Grows with every lease of the job; every later write on the job carries it.
    public var fencingToken: UInt64
    /// 1 for the first try.
    public var attempt: UInt16
    /// After this the lease is void and the job is failed or retried.
    public var deadline: WireTime
    /// The workflow snapshot (workflow jobs) or the ingestion spec (ingestion jobs), JSON.
    public var spec: ByteBuffer
    public var datasetID: WireUUID?
    /// The dataset's chunks in row order.
    public var chunks: [ChunkReference]

    public init(
        jobID: WireUUID, kind: JobKind, fencingToken: UInt64, attempt: UInt16, deadline: WireTime,
        spec: ByteBuffer, datasetID: WireUUID?, chunks: [ChunkReference]
    ) {
        self.jobID = jobID
        self.kind = kind
        self.fencingToken = fencingToken
        self.attempt = attempt
        self.deadline = deadline
        self.spec = spec
        self.datasetID = datasetID
        self.chunks = chunks
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        kind = try reader.code(JobKind.self, "kind")
        fencingToken = try reader.u64("fencingToken")
        attempt = try reader.u16("attempt")
        deadline = try reader.time("deadline")
        spec = try reader.bytes("spec")
        datasetID = try reader.optional("datasetID") { reader throws(WireError) in try reader.uuid("datasetID") }
        chunks = try reader.list("chunks") { reader throws(WireError) in
            ChunkReference(hash: try reader.chunkHash("chunk.hash"), rowCount: try reader.u32("chunk.rowCount"), byteCount: try reader.u32("chunk.byteCount"))
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(kind.rawValue)
        buffer.writeInteger(fencingToken)
        buffer.writeInteger(attempt)
        buffer.writeWire(deadline)
        buffer.writeWire(spec)
        buffer.writeWire(datasetID) { $0.writeWire($1) }
        buffer.writeWire(chunks) { buffer, chunk in
            buffer.writeWire(chunk.hash)
            buffer.writeInteger(chunk.rowCount)
            buffer.writeInteger(chunk.byteCount)
        }
    }
}

/// Worker → coordinator: the job has started on this worker (the job_started event).
public struct LeaseAccept: WirePayload {
    static let messageType = MessageType.leaseAccept
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var startedAt: WireTime

    public init(jobID: WireUUID, fencingToken: UInt64, startedAt: WireTime) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.startedAt = startedAt
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        startedAt = try reader.time("startedAt")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeWire(startedAt)
    }
}

/// Worker → coordinator: the worker will not run the job; the coordinator requeues it.
public struct LeaseReject: WirePayload {
    static let messageType = MessageType.leaseReject

    public enum Reason: UInt8, Sendable, CaseIterable {
        case noFreeSlot = 1
        case unsupportedKind = 2
        case invalidSpec = 3
        case draining = 4
    }

    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var reason: Reason
    public var message: String

    public init(jobID: WireUUID, fencingToken: UInt64, reason: Reason, message: String) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.reason = reason
        self.message = message
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        reason = try reader.code(Reason.self, "reason")
        message = try reader.string("message")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeInteger(reason.rawValue)
        buffer.writeWire(message)
    }
}

/// Coordinator → worker: stop the job (user cancel, timeout); the worker answers CancelAck.
public struct CancelJob: WirePayload {
    static let messageType = MessageType.cancelJob
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var reason: String

    public init(jobID: WireUUID, fencingToken: UInt64, reason: String) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.reason = reason
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        reason = try reader.string("reason")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeWire(reason)
    }
}

/// Worker → coordinator: the job has stopped and its slot is free.
public struct CancelAck: WirePayload {
    static let messageType = MessageType.cancelAck
    public var jobID: WireUUID
    public var fencingToken: UInt64

    public init(jobID: WireUUID, fencingToken: UInt64) {
        self.jobID = jobID
        self.fencingToken = fencingToken
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
    }
}

/// Worker → coordinator: the job finished; `result` is its summary (JSON).
public struct JobCompleted: WirePayload {
    static let messageType = MessageType.jobCompleted
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var completedAt: WireTime
    public var result: ByteBuffer

    public init(jobID: WireUUID, fencingToken: UInt64, completedAt: WireTime, result: ByteBuffer) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.completedAt = completedAt
        self.result = result
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        completedAt = try reader.time("completedAt")
        result = try reader.bytes("result")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeWire(completedAt)
        buffer.writeWire(result)
    }
}

/// Worker → coordinator: the job failed. `retryable` lets the coordinator retry it
/// (while tries remain) or fail it for good.
public struct JobFailed: WirePayload {
    static let messageType = MessageType.jobFailed
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var failedAt: WireTime
    /// A short machine-readable kind: "node_failed", "invalid_data", "out_of_memory", ...
    public var errorKind: String
    public var message: String
    public var trace: String
    /// The node that failed, when one did.
    public var nodeID: String?
    public var retryable: Bool

    public init(
        jobID: WireUUID, fencingToken: UInt64, failedAt: WireTime, errorKind: String, message: String,
        trace: String, nodeID: String?, retryable: Bool
    ) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.failedAt = failedAt
        self.errorKind = errorKind
        self.message = message
        self.trace = trace
        self.nodeID = nodeID
        self.retryable = retryable
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        failedAt = try reader.time("failedAt")
        errorKind = try reader.string("errorKind")
        message = try reader.string("message")
        trace = try reader.string("trace")
        nodeID = try reader.optional("nodeID") { reader throws(WireError) in try reader.string("nodeID") }
        retryable = try reader.bool("retryable")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeWire(failedAt)
        buffer.writeWire(errorKind)
        buffer.writeWire(message)
        buffer.writeWire(trace)
        buffer.writeWire(nodeID) { $0.writeWire($1) }
        buffer.writeWire(retryable)
    }
}
