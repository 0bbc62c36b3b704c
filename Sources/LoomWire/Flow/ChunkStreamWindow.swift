/// The sending side of a chunk stream's window (proto/PROTOCOL.md, "Flow control"): at
/// most `window` chunks sent and not yet acknowledged. Pure; the owner asks `canSend`
/// before each chunk and feeds every ChunkAck in.
public struct ChunkStreamSender: Sendable, Hashable {
    public let streamID: UInt32
    public let window: Int
    public private(set) var sentCount: UInt32 = 0
    public private(set) var acknowledgedCount: UInt32 = 0

    public init(streamID: UInt32, window: Int) {
        precondition(window > 0, "a window holds at least one chunk")
        self.streamID = streamID
        self.window = window
    }

    public var inFlight: Int { Int(sentCount - acknowledgedCount) }
    public var canSend: Bool { inFlight < window }

    /// The sequence number for the next chunk; throws when the window is full.
    public mutating func nextSequence() throws(WireError) -> UInt32 {
        guard canSend else { throw WireError(.flowControl, "window of \(window) chunks is full") }
        guard sentCount < UInt32.max else { throw WireError(.flowControl, "stream \(streamID) ran out of sequence numbers") }
        defer { sentCount += 1 }
        return sentCount
    }

    public mutating func acknowledge(_ ack: ChunkAck) throws(WireError) {
        guard ack.streamID == streamID else {
            throw WireError(.flowControl, messageType: MessageType.chunkAck.rawValue, field: "streamID", "ack for stream \(ack.streamID), not \(streamID)")
        }
        guard ack.processedCount <= sentCount else {
            throw WireError(.flowControl, messageType: MessageType.chunkAck.rawValue, field: "processedCount", "ack of \(ack.processedCount) chunks, only \(sentCount) sent")
        }
        // Acks are cumulative; a stale one (reordered behind a newer one) changes nothing.
        acknowledgedCount = max(acknowledgedCount, ack.processedCount)
    }
}

/// The receiving side: chunks must arrive in sequence and within the window.
public struct ChunkStreamReceiver: Sendable, Hashable {
    public let streamID: UInt32
    public let window: Int
    public private(set) var receivedCount: UInt32 = 0
    public private(set) var processedCount: UInt32 = 0

    public init(streamID: UInt32, window: Int) {
        precondition(window > 0, "a window holds at least one chunk")
        self.streamID = streamID
        self.window = window
    }

    /// Checks an arriving chunk; a gap, a repeat or a chunk beyond the window throws.
    public mutating func receive(_ chunk: ChunkData) throws(WireError) {
        let type = MessageType.chunk.rawValue
        guard chunk.streamID == streamID else {
            throw WireError(.flowControl, messageType: type, field: "streamID", "chunk for stream \(chunk.streamID), not \(streamID)")
        }
        guard chunk.sequence == receivedCount else {
            throw WireError(.flowControl, messageType: type, field: "sequence", "expected sequence \(receivedCount), got \(chunk.sequence)")
        }
        guard Int(receivedCount - processedCount) < window else {
            throw WireError(.flowControl, messageType: type, "more than \(window) chunks unacknowledged")
        }
        receivedCount += 1
    }

    /// The owner has stored the next chunk; returns the ack to send.
    public mutating func processed() -> ChunkAck {
        precondition(processedCount < receivedCount, "processed a chunk that was not received")
        processedCount += 1
        return ChunkAck(streamID: streamID, processedCount: processedCount)
    }

    /// Checks the ChunkEnd against what arrived.
    public func end(_ end: ChunkEnd) throws(WireError) {
        guard end.aborted || end.chunkCount == receivedCount else {
            throw WireError(.flowControl, messageType: MessageType.chunkEnd.rawValue, field: "chunkCount", "end says \(end.chunkCount) chunks, \(receivedCount) arrived")
        }
    }
}
