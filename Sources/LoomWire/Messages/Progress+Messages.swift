import NIOCore

public enum NodeState: UInt8, Sendable, CaseIterable {
    case pending = 1
    case running = 2
    case completed = 3
    case failed = 4
    case skipped = 5
}

/// Worker → coordinator: a workflow node changed state (the node_status event).
public struct NodeStatus: WirePayload {
    static let messageType = MessageType.nodeStatus
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var nodeID: String
    public var state: NodeState
    public var at: WireTime
    /// Why, for failed and skipped nodes; empty otherwise.
    public var message: String

    public init(jobID: WireUUID, fencingToken: UInt64, nodeID: String, state: NodeState, at: WireTime, message: String) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.nodeID = nodeID
        self.state = state
        self.at = at
        self.message = message
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        nodeID = try reader.string("nodeID")
        state = try reader.code(NodeState.self, "state")
        at = try reader.time("at")
        message = try reader.string("message")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeWire(nodeID)
        buffer.writeInteger(state.rawValue)
        buffer.writeWire(at)
        buffer.writeWire(message)
    }
}

/// Worker → coordinator: how far a running node is (the node_progress event).
public struct NodeProgress: WirePayload {
    static let messageType = MessageType.nodeProgress
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var nodeID: String
    /// 0...1.
    public var fraction: Double
    public var at: WireTime
    public var message: String

    public init(jobID: WireUUID, fencingToken: UInt64, nodeID: String, fraction: Double, at: WireTime, message: String) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.nodeID = nodeID
        self.fraction = fraction
        self.at = at
        self.message = message
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        nodeID = try reader.string("nodeID")
        fraction = try reader.f64("fraction")
        guard fraction >= 0, fraction <= 1 else {
            throw WireError(.invalidValue, field: "fraction", "progress \(fraction) outside 0...1")
        }
        at = try reader.time("at")
        message = try reader.string("message")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeWire(nodeID)
        buffer.writeWire(fraction)
        buffer.writeWire(at)
        buffer.writeWire(message)
    }
}

/// Worker → coordinator: named numbers a node produced (the metrics event): accuracy,
/// loss per epoch, row counts.
public struct Metrics: WirePayload {
    static let messageType = MessageType.metrics
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var nodeID: String
    public var at: WireTime
    public var values: [Metric]

    public struct Metric: Hashable, Sendable {
        public var name: String
        public var value: Double
        public init(name: String, value: Double) {
            self.name = name
            self.value = value
        }

        // Bit-pattern equality, so that NaN metrics round-trip as equal.
        public static func == (lhs: Metric, rhs: Metric) -> Bool {
            lhs.name == rhs.name && lhs.value.bitPattern == rhs.value.bitPattern
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(name)
            hasher.combine(value.bitPattern)
        }
    }

    public init(jobID: WireUUID, fencingToken: UInt64, nodeID: String, at: WireTime, values: [Metric]) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.nodeID = nodeID
        self.at = at
        self.values = values
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        nodeID = try reader.string("nodeID")
        at = try reader.time("at")
        values = try reader.list("values") { reader throws(WireError) in
            Metric(name: try reader.string("metric.name"), value: try reader.f64("metric.value"))
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeWire(nodeID)
        buffer.writeWire(at)
        buffer.writeWire(values) { buffer, metric in
            buffer.writeWire(metric.name)
            buffer.writeWire(metric.value)
        }
    }
}

/// Worker → coordinator: a file a node produced (plot, model summary). A large artifact
/// is sent as several parts with the same `artifactID`, each carrying `offset` and the
/// `totalSize`; it is complete when offset + bytes = totalSize.
public struct Artifact: WirePayload {
    static let messageType = MessageType.artifact
    public var jobID: WireUUID
    public var fencingToken: UInt64
    /// Unique within the job.
    public var artifactID: UInt32
    public var nodeID: String
    public var name: String
    public var contentType: String
    public var totalSize: UInt64
    public var offset: UInt64
    public var bytes: ByteBuffer

    public init(
        jobID: WireUUID, fencingToken: UInt64, artifactID: UInt32, nodeID: String, name: String,
        contentType: String, totalSize: UInt64, offset: UInt64, bytes: ByteBuffer
    ) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.artifactID = artifactID
        self.nodeID = nodeID
        self.name = name
        self.contentType = contentType
        self.totalSize = totalSize
        self.offset = offset
        self.bytes = bytes
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        artifactID = try reader.u32("artifactID")
        nodeID = try reader.string("nodeID")
        name = try reader.string("name")
        contentType = try reader.string("contentType")
        totalSize = try reader.u64("totalSize")
        offset = try reader.u64("offset")
        bytes = try reader.bytes("bytes")
        let (end, overflow) = offset.addingReportingOverflow(UInt64(bytes.readableBytes))
        guard !overflow, end <= totalSize else {
            throw WireError(.invalidValue, field: "offset", "part \(offset)+\(bytes.readableBytes) overruns total size \(totalSize)")
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeInteger(artifactID)
        buffer.writeWire(nodeID)
        buffer.writeWire(name)
        buffer.writeWire(contentType)
        buffer.writeInteger(totalSize)
        buffer.writeInteger(offset)
        buffer.writeWire(bytes)
    }

    /// Splits `bytes` into parts whose payloads fit in frames of `maxFrameSize`.
    public static func parts(
        jobID: WireUUID, fencingToken: UInt64, artifactID: UInt32, nodeID: String, name: String,
        contentType: String, bytes: ByteBuffer, maxFrameSize: Int
    ) -> [Artifact] {
        let overhead = 16 + 8 + 4 + 4 * 4 + nodeID.utf8.count + name.utf8.count + contentType.utf8.count + 8 + 8
        let partSize = max(1, maxFrameSize - overhead)
        let total = bytes.readableBytes
        var parts = [Artifact]()
        var offset = 0
        repeat {
            let length = min(partSize, total - offset)
            let slice = bytes.getSlice(at: bytes.readerIndex + offset, length: length) ?? ByteBuffer()
            parts.append(
                Artifact(
                    jobID: jobID, fencingToken: fencingToken, artifactID: artifactID, nodeID: nodeID, name: name,
                    contentType: contentType, totalSize: UInt64(total), offset: UInt64(offset), bytes: slice))
            offset += length
        } while offset < total
        return parts
    }
}
