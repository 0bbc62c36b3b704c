import NIOCore

/// Worker → coordinator, the first frame of every connection. Its layout is fixed for all
/// protocol versions so that any coordinator can read it and pick a version.
public struct Hello: WirePayload {
    static let messageType = MessageType.hello
    /// "LOOM": tells a Loom peer from anything else that connects.
    public static let magic: UInt32 = 0x4C4F_4F4D

    public var protocolVersions: [UInt16]
    public var workerName: String
    /// New at every process start: tells a restarted worker from the one before.
    public var instanceID: WireUUID
    public var slots: UInt16
    public var labels: [Label]
    public var buildVersion: String
    public var workerNonce: Bytes32

    public struct Label: Hashable, Sendable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(
        protocolVersions: [UInt16], workerName: String, instanceID: WireUUID, slots: UInt16,
        labels: [Label], buildVersion: String, workerNonce: Bytes32
    ) {
        self.protocolVersions = protocolVersions
        self.workerName = workerName
        self.instanceID = instanceID
        self.slots = slots
        self.labels = labels
        self.buildVersion = buildVersion
        self.workerNonce = workerNonce
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        let magic = try reader.u32("magic")
        guard magic == Self.magic else { throw WireError(.invalidValue, field: "magic", "not a Loom hello") }
        protocolVersions = try reader.list("protocolVersions") { reader throws(WireError) in try reader.u16("protocolVersion") }
        workerName = try reader.string("workerName")
        instanceID = try reader.uuid("instanceID")
        slots = try reader.u16("slots")
        labels = try reader.list("labels") { reader throws(WireError) in
            Label(key: try reader.string("label.key"), value: try reader.string("label.value"))
        }
        buildVersion = try reader.string("buildVersion")
        workerNonce = try reader.bytes32("workerNonce")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.magic)
        buffer.writeWire(protocolVersions) { $0.writeInteger($1) }
        buffer.writeWire(workerName)
        buffer.writeWire(instanceID)
        buffer.writeInteger(slots)
        buffer.writeWire(labels) { buffer, label in
            buffer.writeWire(label.key)
            buffer.writeWire(label.value)
        }
        buffer.writeWire(buildVersion)
        buffer.writeWire(workerNonce)
    }
}

/// Coordinator → worker: the version chosen for this connection and a fresh nonce.
public struct Challenge: WirePayload {
    static let messageType = MessageType.challenge
    public var protocolVersion: UInt16
    public var coordinatorNonce: Bytes32

    public init(protocolVersion: UInt16, coordinatorNonce: Bytes32) {
        self.protocolVersion = protocolVersion
        self.coordinatorNonce = coordinatorNonce
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        protocolVersion = try reader.u16("protocolVersion")
        coordinatorNonce = try reader.bytes32("coordinatorNonce")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(protocolVersion)
        buffer.writeWire(coordinatorNonce)
    }
}

/// Worker → coordinator: HMAC-SHA256 proof that the worker holds the cluster secret.
public struct Authenticate: WirePayload {
    static let messageType = MessageType.authenticate
    public var proof: Bytes32

    public init(proof: Bytes32) { self.proof = proof }

    init(from reader: inout PayloadReader) throws(WireError) {
        proof = try reader.bytes32("proof")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(proof)
    }
}

/// Coordinator → worker: the session is open; the coordinator proves it holds the secret
/// too, and sets the session's parameters.
public struct Welcome: WirePayload {
    static let messageType = MessageType.welcome
    public var sessionID: WireUUID
    public var heartbeatIntervalMilliseconds: UInt32
    public var maxFrameSize: UInt32
    public var chunkWindow: UInt16
    public var coordinatorProof: Bytes32

    public init(sessionID: WireUUID, heartbeatIntervalMilliseconds: UInt32, maxFrameSize: UInt32, chunkWindow: UInt16, coordinatorProof: Bytes32) {
        self.sessionID = sessionID
        self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
        self.maxFrameSize = maxFrameSize
        self.chunkWindow = chunkWindow
        self.coordinatorProof = coordinatorProof
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        sessionID = try reader.uuid("sessionID")
        heartbeatIntervalMilliseconds = try reader.u32("heartbeatIntervalMilliseconds")
        maxFrameSize = try reader.u32("maxFrameSize")
        chunkWindow = try reader.u16("chunkWindow")
        coordinatorProof = try reader.bytes32("coordinatorProof")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(sessionID)
        buffer.writeInteger(heartbeatIntervalMilliseconds)
        buffer.writeInteger(maxFrameSize)
        buffer.writeInteger(chunkWindow)
        buffer.writeWire(coordinatorProof)
    }
}

/// Coordinator → worker: the handshake failed; the coordinator closes the connection.
public struct Reject: WirePayload {
    static let messageType = MessageType.reject

    public enum Reason: UInt8, Sendable, CaseIterable {
        case unsupportedVersion = 1
        case authenticationFailed = 2
        case invalidHello = 3
        case draining = 4
        case duplicateInstance = 5
        case timeout = 6
        case unexpectedMessage = 7
    }

    public var reason: Reason
    public var message: String

    public init(reason: Reason, message: String) {
        self.reason = reason
        self.message = message
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        reason = try reader.code(Reason.self, "reason")
        message = try reader.string("message")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(reason.rawValue)
        buffer.writeWire(message)
    }
}
