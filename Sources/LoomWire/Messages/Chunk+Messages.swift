import NIOCore

/// Opens a stream of columnar chunks. Streams are numbered by the worker: its uploads
/// (ingested datasets, predictions) and its FetchChunks requests, whose replies the
/// coordinator sends as a stream with the request's id.
public struct ChunkBegin: WirePayload {
    static let messageType = MessageType.chunkBegin

    public enum Purpose: UInt8, Sendable, CaseIterable {
        /// Coordinator → worker: the chunks a FetchChunks asked for.
        case fetchReply = 1
        /// Worker → coordinator: the chunks of an ingested dataset.
        case dataset = 2
        /// Worker → coordinator: a node's output table (predictions, transformed data).
        case nodeOutput = 3
    }

    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var streamID: UInt32
    public var purpose: Purpose
    /// What the stream holds: the dataset or the node's output name.
    public var name: String
    /// How many chunks follow, when known.
    public var expectedChunks: UInt32?

    public init(jobID: WireUUID, fencingToken: UInt64, streamID: UInt32, purpose: Purpose, name: String, expectedChunks: UInt32?) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.streamID = streamID
        self.purpose = purpose
        self.name = name
        self.expectedChunks = expectedChunks
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        streamID = try reader.u32("streamID")
        purpose = try reader.code(Purpose.self, "purpose")
        name = try reader.string("name")
        expectedChunks = try reader.optional("expectedChunks") { reader throws(WireError) in try reader.u32("expectedChunks") }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeInteger(streamID)
        buffer.writeInteger(purpose.rawValue)
        buffer.writeWire(name)
        buffer.writeWire(expectedChunks) { $0.writeInteger($1) }
    }
}

/// One chunk of a stream: its bytes (proto/CHUNKS.md) and content hash. Sequence numbers
/// start at 0 and grow by one; at most the window's count may be unacknowledged.
public struct ChunkData: WirePayload {
    static let messageType = MessageType.chunk
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var streamID: UInt32
    public var sequence: UInt32
    public var hash: WireChunkHash
    public var bytes: ByteBuffer

    public init(jobID: WireUUID, fencingToken: UInt64, streamID: UInt32, sequence: UInt32, hash: WireChunkHash, bytes: ByteBuffer) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.streamID = streamID
        self.sequence = sequence
        self.hash = hash
        self.bytes = bytes
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        streamID = try reader.u32("streamID")
        sequence = try reader.u32("sequence")
        hash = try reader.chunkHash("hash")
        bytes = try reader.bytes("bytes")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeInteger(streamID)
        buffer.writeInteger(sequence)
        buffer.writeWire(hash)
        buffer.writeWire(bytes)
    }
}

/// Receiver → sender: the first `processedCount` chunks of the stream are stored; the
/// sender may have `window` more in flight.
public struct ChunkAck: WirePayload {
    static let messageType = MessageType.chunkAck
    public var streamID: UInt32
    public var processedCount: UInt32

    public init(streamID: UInt32, processedCount: UInt32) {
        self.streamID = streamID
        self.processedCount = processedCount
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        streamID = try reader.u32("streamID")
        processedCount = try reader.u32("processedCount")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(streamID)
        buffer.writeInteger(processedCount)
    }
}

/// Closes a stream: `chunkCount` chunks were sent; `aborted` when the sender gave up
/// (the receiver discards what it got).
public struct ChunkEnd: WirePayload {
    static let messageType = MessageType.chunkEnd
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var streamID: UInt32
    public var chunkCount: UInt32
    public var aborted: Bool

    public init(jobID: WireUUID, fencingToken: UInt64, streamID: UInt32, chunkCount: UInt32, aborted: Bool) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.streamID = streamID
        self.chunkCount = chunkCount
        self.aborted = aborted
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        streamID = try reader.u32("streamID")
        chunkCount = try reader.u32("chunkCount")
        aborted = try reader.bool("aborted")
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeInteger(streamID)
        buffer.writeInteger(chunkCount)
        buffer.writeWire(aborted)
    }
}

/// Worker → coordinator: send me these chunks of the leased job's dataset (those not in
/// my cache). The reply is a stream with id `streamID`: ChunkBegin(fetchReply), the
/// chunks the coordinator has, ChunksMissing for those it has not, ChunkEnd.
public struct FetchChunks: WirePayload {
    static let messageType = MessageType.fetchChunks
    public var jobID: WireUUID
    public var fencingToken: UInt64
    public var streamID: UInt32
    public var hashes: [WireChunkHash]

    public init(jobID: WireUUID, fencingToken: UInt64, streamID: UInt32, hashes: [WireChunkHash]) {
        self.jobID = jobID
        self.fencingToken = fencingToken
        self.streamID = streamID
        self.hashes = hashes
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        jobID = try reader.uuid("jobID")
        fencingToken = try reader.u64("fencingToken")
        streamID = try reader.u32("streamID")
        hashes = try reader.list("hashes") { reader throws(WireError) in try reader.chunkHash("hash") }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeWire(jobID)
        buffer.writeInteger(fencingToken)
        buffer.writeInteger(streamID)
        buffer.writeWire(hashes) { $0.writeWire($1) }
    }
}

/// Coordinator → worker, within a fetch reply: chunks it does not have.
public struct ChunksMissing: WirePayload {
    static let messageType = MessageType.chunksMissing
    public var streamID: UInt32
    public var hashes: [WireChunkHash]

    public init(streamID: UInt32, hashes: [WireChunkHash]) {
        self.streamID = streamID
        self.hashes = hashes
    }

    init(from reader: inout PayloadReader) throws(WireError) {
        streamID = try reader.u32("streamID")
        hashes = try reader.list("hashes") { reader throws(WireError) in try reader.chunkHash("hash") }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(streamID)
        buffer.writeWire(hashes) { $0.writeWire($1) }
    }
}
