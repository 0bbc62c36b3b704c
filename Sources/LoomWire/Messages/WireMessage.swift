import NIOCore

/// The one-byte type of every frame (proto/PROTOCOL.md, "Message types").
public enum MessageType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case challenge = 0x02
    case authenticate = 0x03
    case welcome = 0x04
    case reject = 0x05

    case heartbeat = 0x10
    case heartbeatAck = 0x11
    case drain = 0x12
    case goodbye = 0x13

    case leaseGrant = 0x20
    case leaseAccept = 0x21
    case leaseReject = 0x22
    case cancelJob = 0x23
    case cancelAck = 0x24
    case jobCompleted = 0x25
    case jobFailed = 0x26

    case nodeStatus = 0x30
    case nodeProgress = 0x31
    case metrics = 0x32
    case artifact = 0x33

    case chunkBegin = 0x40
    case chunk = 0x41
    case chunkAck = 0x42
    case chunkEnd = 0x43
    case fetchChunks = 0x44
    case chunksMissing = 0x45

    case error = 0x7F
}

/// A message body: its type, and its encoding and decoding side by side.
protocol WirePayload: Sendable, Hashable {
    static var messageType: MessageType { get }
    init(from reader: inout PayloadReader) throws(WireError)
    func encode(into buffer: inout ByteBuffer)
}

/// Every message of the protocol.
public enum WireMessage: Sendable, Hashable {
    case hello(Hello)
    case challenge(Challenge)
    case authenticate(Authenticate)
    case welcome(Welcome)
    case reject(Reject)
    case heartbeat(Heartbeat)
    case heartbeatAck(HeartbeatAck)
    case drain(Drain)
    case goodbye(Goodbye)
    case leaseGrant(LeaseGrant)
    case leaseAccept(LeaseAccept)
    case leaseReject(LeaseReject)
    case cancelJob(CancelJob)
    case cancelAck(CancelAck)
    case jobCompleted(JobCompleted)
    case jobFailed(JobFailed)
    case nodeStatus(NodeStatus)
    case nodeProgress(NodeProgress)
    case metrics(Metrics)
    case artifact(Artifact)
    case chunkBegin(ChunkBegin)
    case chunk(ChunkData)
    case chunkAck(ChunkAck)
    case chunkEnd(ChunkEnd)
    case fetchChunks(FetchChunks)
    case chunksMissing(ChunksMissing)
    case error(ErrorMessage)

    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .challenge: .challenge
        case .authenticate: .authenticate
        case .welcome: .welcome
        case .reject: .reject
        case .heartbeat: .heartbeat
        case .heartbeatAck: .heartbeatAck
        case .drain: .drain
        case .goodbye: .goodbye
        case .leaseGrant: .leaseGrant
        case .leaseAccept: .leaseAccept
        case .leaseReject: .leaseReject
        case .cancelJob: .cancelJob
        case .cancelAck: .cancelAck
        case .jobCompleted: .jobCompleted
        case .jobFailed: .jobFailed
        case .nodeStatus: .nodeStatus
        case .nodeProgress: .nodeProgress
        case .metrics: .metrics
        case .artifact: .artifact
        case .chunkBegin: .chunkBegin
        case .chunk: .chunk
        case .chunkAck: .chunkAck
        case .chunkEnd: .chunkEnd
        case .fetchChunks: .fetchChunks
        case .chunksMissing: .chunksMissing
        case .error: .error
        }
    }

    /// Writes the payload (not the frame header).
    /// For a message whose payload ends with bulk bytes (a chunk, an artifact part): the
    /// message with those bytes emptied, and the bytes. Its frame is the head's frame with
    /// the bytes appended (and its length prefix and the frame's length set to match).
    func splittingBulk() -> (head: WireMessage, bulk: ByteBuffer)? {
        switch self {
        case .chunk(var message):
            let bulk = message.bytes
            message.bytes = ByteBuffer()
            return (.chunk(message), bulk)
        case .artifact(var message):
            let bulk = message.bytes
            message.bytes = ByteBuffer()
            return (.artifact(message), bulk)
        default:
            return nil
        }
    }

    func encodePayload(into buffer: inout ByteBuffer) {
        switch self {
        case .hello(let message): message.encode(into: &buffer)
        case .challenge(let message): message.encode(into: &buffer)
        case .authenticate(let message): message.encode(into: &buffer)
        case .welcome(let message): message.encode(into: &buffer)
        case .reject(let message): message.encode(into: &buffer)
        case .heartbeat(let message): message.encode(into: &buffer)
        case .heartbeatAck(let message): message.encode(into: &buffer)
        case .drain(let message): message.encode(into: &buffer)
        case .goodbye(let message): message.encode(into: &buffer)
        case .leaseGrant(let message): message.encode(into: &buffer)
        case .leaseAccept(let message): message.encode(into: &buffer)
        case .leaseReject(let message): message.encode(into: &buffer)
        case .cancelJob(let message): message.encode(into: &buffer)
        case .cancelAck(let message): message.encode(into: &buffer)
        case .jobCompleted(let message): message.encode(into: &buffer)
        case .jobFailed(let message): message.encode(into: &buffer)
        case .nodeStatus(let message): message.encode(into: &buffer)
        case .nodeProgress(let message): message.encode(into: &buffer)
        case .metrics(let message): message.encode(into: &buffer)
        case .artifact(let message): message.encode(into: &buffer)
        case .chunkBegin(let message): message.encode(into: &buffer)
        case .chunk(let message): message.encode(into: &buffer)
        case .chunkAck(let message): message.encode(into: &buffer)
        case .chunkEnd(let message): message.encode(into: &buffer)
        case .fetchChunks(let message): message.encode(into: &buffer)
        case .chunksMissing(let message): message.encode(into: &buffer)
        case .error(let message): message.encode(into: &buffer)
        }
    }

    /// Decodes a payload of type `type`; the whole payload must be consumed.
    static func decode(type: MessageType, payload: ByteBuffer) throws(WireError) -> WireMessage {
        var reader = PayloadReader(payload)
        let message: WireMessage
        switch type {
        case .hello: message = .hello(try Hello(from: &reader))
        case .challenge: message = .challenge(try Challenge(from: &reader))
        case .authenticate: message = .authenticate(try Authenticate(from: &reader))
        case .welcome: message = .welcome(try Welcome(from: &reader))
        case .reject: message = .reject(try Reject(from: &reader))
        case .heartbeat: message = .heartbeat(try Heartbeat(from: &reader))
        case .heartbeatAck: message = .heartbeatAck(try HeartbeatAck(from: &reader))
        case .drain: message = .drain(try Drain(from: &reader))
        case .goodbye: message = .goodbye(try Goodbye(from: &reader))
        case .leaseGrant: message = .leaseGrant(try LeaseGrant(from: &reader))
        case .leaseAccept: message = .leaseAccept(try LeaseAccept(from: &reader))
        case .leaseReject: message = .leaseReject(try LeaseReject(from: &reader))
        case .cancelJob: message = .cancelJob(try CancelJob(from: &reader))
        case .cancelAck: message = .cancelAck(try CancelAck(from: &reader))
        case .jobCompleted: message = .jobCompleted(try JobCompleted(from: &reader))
        case .jobFailed: message = .jobFailed(try JobFailed(from: &reader))
        case .nodeStatus: message = .nodeStatus(try NodeStatus(from: &reader))
        case .nodeProgress: message = .nodeProgress(try NodeProgress(from: &reader))
        case .metrics: message = .metrics(try Metrics(from: &reader))
        case .artifact: message = .artifact(try Artifact(from: &reader))
        case .chunkBegin: message = .chunkBegin(try ChunkBegin(from: &reader))
        case .chunk: message = .chunk(try ChunkData(from: &reader))
        case .chunkAck: message = .chunkAck(try ChunkAck(from: &reader))
        case .chunkEnd: message = .chunkEnd(try ChunkEnd(from: &reader))
        case .fetchChunks: message = .fetchChunks(try FetchChunks(from: &reader))
        case .chunksMissing: message = .chunksMissing(try ChunksMissing(from: &reader))
        case .error: message = .error(try ErrorMessage(from: &reader))
        }
        try reader.finish()
        return message
    }

    /// The job and fencing token of a message that writes job state (nil for the others).
    public var jobFencing: (jobID: WireUUID, fencingToken: UInt64)? {
        switch self {
        case .leaseAccept(let m): (m.jobID, m.fencingToken)
        case .leaseReject(let m): (m.jobID, m.fencingToken)
        case .cancelAck(let m): (m.jobID, m.fencingToken)
        case .jobCompleted(let m): (m.jobID, m.fencingToken)
        case .jobFailed(let m): (m.jobID, m.fencingToken)
        case .nodeStatus(let m): (m.jobID, m.fencingToken)
        case .nodeProgress(let m): (m.jobID, m.fencingToken)
        case .metrics(let m): (m.jobID, m.fencingToken)
        case .artifact(let m): (m.jobID, m.fencingToken)
        case .chunkBegin(let m): (m.jobID, m.fencingToken)
        case .chunk(let m): (m.jobID, m.fencingToken)
        case .chunkEnd(let m): (m.jobID, m.fencingToken)
        case .fetchChunks(let m): (m.jobID, m.fencingToken)
        case .leaseGrant(let m): (m.jobID, m.fencingToken)
        case .cancelJob(let m): (m.jobID, m.fencingToken)
        case .hello, .challenge, .authenticate, .welcome, .reject, .heartbeat, .heartbeatAck, .drain,
            .goodbye, .chunkAck, .chunksMissing, .error:
            nil
        }
    }
}
