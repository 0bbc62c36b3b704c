import NIOCore

/// Worker → coordinator, every heartbeat interval: load and, per held job, the time of
/// its last progress (the coordinator renews those leases and spots stuck jobs).
public struct Heartbeat: WirePayload {
    static let messageType = MessageType.heartbeat
    public var sentAt: WireTime
    public var slotsInUse: UInt16
    public var jobs: [HeldJob]

    public struct HeldJob: Hashable, Sendable {
        public var jobID: WireUUID
        public var fencingToken: UInt64
        public var lastProgressAt: WireTime
        public init(jobID: WireUUID, fencingToken: UInt64, lastProgressAt: WireTime) {
            self.jobID = jobID
            self.fencingToken = fencingToken
            self.lastProgressAt = lastProgressAt
        }
    }

    public init(sentAt: WireTime, slotsInUse: UInt16, jobs: [HeldJob]) {
        self.sentAt = sentAt
        self.slotsInUse = slotsInUse
        self.jobs = jobs
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        sentAt = try reader.time("sentAt")
        slotsInUse = try reader.u16("slotsInUse")
        jobs = try reader.list("jobs") { reader throws(WireError) in
            HeldJob(jobID: try reader.uuid("jobID"), fencingToken: try reader.u64("fencingToken"), lastProgressAt: try reader.time("lastProgressAt"))
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(sentAt)
        buffer.writeInteger(slotsInUse)
        buffer.writeWire(jobs) { buffer, job in
            buffer.writeWire(job.jobID)
            buffer.writeInteger(job.fencingToken)
            buffer.writeWire(job.lastProgressAt)
        }
    }
}

/// Coordinator → worker, answering a heartbeat: jobs to stop (cancelled, timed out) and
/// jobs the worker reported but no longer holds (its lease was taken; stop and drop them).
public struct HeartbeatAck: WirePayload {
    static let messageType = MessageType.heartbeatAck
    /// The `sentAt` of the heartbeat answered (round-trip time on the worker).
    public var heartbeatSentAt: WireTime
    public var cancel: [WireUUID]
    public var notHeld: [WireUUID]

    public init(heartbeatSentAt: WireTime, cancel: [WireUUID], notHeld: [WireUUID]) {
        self.heartbeatSentAt = heartbeatSentAt
        self.cancel = cancel
        self.notHeld = notHeld
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        heartbeatSentAt = try reader.time("heartbeatSentAt")
        cancel = try reader.list("cancel") { reader throws(WireError) in try reader.uuid("jobID") }
        notHeld = try reader.list("notHeld") { reader throws(WireError) in try reader.uuid("jobID") }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(heartbeatSentAt)
        buffer.writeWire(cancel) { $0.writeWire($1) }
        buffer.writeWire(notHeld) { $0.writeWire($1) }
    }
}

/// Either direction: the sender takes or grants no new leases; jobs in hand finish
/// (before `deadline`, when one is given), then the sender says Goodbye.
public struct Drain: WirePayload {
    static let messageType = MessageType.drain
    public var deadline: WireTime?
    public var reason: String

    public init(deadline: WireTime?, reason: String) {
        self.deadline = deadline
        self.reason = reason
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        deadline = try reader.optional("deadline") { reader throws(WireError) in try reader.time("deadline") }
        reason = try reader.string("reason")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(deadline) { $0.writeWire($1) }
        buffer.writeWire(reason)
    }
}

/// Either direction: the last frame before an orderly close.
public struct Goodbye: WirePayload {
    static let messageType = MessageType.goodbye
    public var reason: String

    public init(reason: String) { self.reason = reason }

    init(from reader: inout PayloadReader) throws(WireError) {
        reason = try reader.string("reason")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(reason)
    }
}

/// Either direction: a protocol error; the sender closes the connection after it.
public struct ErrorMessage: WirePayload {
    static let messageType = MessageType.error
    public var code: WireErrorCode
    public var message: String

    public init(code: WireErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public init(_ error: WireError) {
        self.init(code: error.code, message: error.description)
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        code = WireErrorCode(rawValue: try reader.u16("code"))
        message = try reader.string("message")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(code.rawValue)
        buffer.writeWire(message)
    }
}
