import LoomWire
import NIOCore
import Testing

@Suite("Chunk stream flow control")
struct ChunkStreamWindowTests {
    func chunk(_ sequence: UInt32, stream: UInt32 = 5) -> ChunkData {
        ChunkData(jobID: WireUUID(high: 1, low: 2), fencingToken: 3, streamID: stream, sequence: sequence, hash: WireChunkHash(high: 0, low: 0), bytes: ByteBuffer())
    }

    @Test("a sender stops at the window and resumes as acks arrive")
    func senderWindow() throws {
        var sender = ChunkStreamSender(streamID: 5, window: 3)
        #expect(try sender.nextSequence() == 0)
        #expect(try sender.nextSequence() == 1)
        #expect(try sender.nextSequence() == 2)
        #expect(!sender.canSend)
        #expect(throws: WireError.self) { try sender.nextSequence() }
        try sender.acknowledge(ChunkAck(streamID: 5, processedCount: 2))
        #expect(sender.inFlight == 1)
        #expect(try sender.nextSequence() == 3)
        try sender.acknowledge(ChunkAck(streamID: 5, processedCount: 1))
        #expect(sender.acknowledgedCount == 2, "a stale ack changes nothing")
        #expect(throws: WireError.self) { try sender.acknowledge(ChunkAck(streamID: 5, processedCount: 9)) }
        #expect(throws: WireError.self) { try sender.acknowledge(ChunkAck(streamID: 6, processedCount: 1)) }
    }

    @Test("a receiver refuses gaps and chunks beyond the window")
    func receiverWindow() throws {
        var receiver = ChunkStreamReceiver(streamID: 5, window: 2)
        try receiver.receive(chunk(0))
        try receiver.receive(chunk(1))
        let overrun = #expect(throws: WireError.self) { try receiver.receive(chunk(2)) }
        #expect(overrun?.code == .flowControl)
        #expect(receiver.processed() == ChunkAck(streamID: 5, processedCount: 1))
        try receiver.receive(chunk(2))
        #expect(throws: WireError.self) { try receiver.receive(chunk(4)) }
        #expect(throws: WireError.self) { try receiver.end(ChunkEnd(jobID: WireUUID(high: 1, low: 2), fencingToken: 3, streamID: 5, chunkCount: 2, aborted: false)) }
        try receiver.end(ChunkEnd(jobID: WireUUID(high: 1, low: 2), fencingToken: 3, streamID: 5, chunkCount: 3, aborted: false))
    }

    @Test("sender and receiver together move a long stream with bounded in-flight chunks")
    func together() throws {
        var sender = ChunkStreamSender(streamID: 1, window: 4)
        var receiver = ChunkStreamReceiver(streamID: 1, window: 4)
        var pending = [ChunkData]()
        var delivered = 0
        var random = SeededGenerator(seed: 11)
        while delivered < 1_000 {
            if sender.canSend, Bool.random(using: &random) {
                pending.append(chunk(try sender.nextSequence(), stream: 1))
            } else if !pending.isEmpty {
                try receiver.receive(pending.removeFirst())
                try sender.acknowledge(receiver.processed())
                delivered += 1
            }
            #expect(sender.inFlight <= 4)
        }
    }
}
