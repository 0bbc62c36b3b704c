import LoomWire
import NIOCore
import NIOEmbedded
import Testing

@Suite("NIO channel handlers")
struct ChannelHandlerTests {
    func makeChannel(maxFrameSize: Int = 1_024, handshakeMaxFrameSize: Int = 1_024) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(WireMessageDecoder(maxFrameSize: maxFrameSize, handshakeMaxFrameSize: handshakeMaxFrameSize)))
        try channel.pipeline.syncOperations.addHandler(WireMessageWriter(maxFrameSize: maxFrameSize))
        try channel.pipeline.syncOperations.addHandler(WireErrorHandler())
        return channel
    }

    @Test("bytes in become messages; messages out become frames")
    func roundTrip() throws {
        let channel = try makeChannel()
        var generator = MessageGenerator(seed: 5)
        let messages = (0..<20).map { _ in generator.message(.heartbeat) }
        let bytes = Array(try encodeFrames(messages).readableBytesView)
        for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        for message in messages { #expect(try channel.readInbound(as: WireMessage.self) == message) }
        #expect(try channel.readInbound(as: WireMessage.self) == nil)

        try channel.writeOutbound(messages[0])
        let frame = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(frame == (try FrameEncoder().encode(messages[0])))
        _ = try channel.finish()
    }

    @Test("an oversized frame gets an Error frame back and closes the connection")
    func oversized() throws {
        let channel = try makeChannel()
        var header = ByteBuffer()
        header.writeInteger(UInt32(100_000_000))
        #expect(throws: WireError.self) { try channel.writeInbound(header) }
        let reply = try #require(try channel.readOutbound(as: ByteBuffer.self))
        var decoder = FrameDecoder()
        var replyBuffer = reply
        guard case .error(let error)? = try decoder.next(&replyBuffer) else {
            Issue.record("expected an Error frame")
            return
        }
        #expect(error.code == .frameTooLarge)
        #expect(!channel.isActive)
    }

    @Test("frames larger than the handshake limit are refused until the Welcome has passed")
    func handshakeLimit() throws {
        let channel = try makeChannel(maxFrameSize: 4_096, handshakeMaxFrameSize: 256)
        let welcome = WireMessage.welcome(
            Welcome(sessionID: .random(), heartbeatIntervalMilliseconds: 2_000, maxFrameSize: 4_096, chunkWindow: 8, coordinatorProof: .zero))
        let big = WireMessage.goodbye(Goodbye(reason: String(repeating: "x", count: 1_000)))
        try channel.writeInbound(try FrameEncoder().encode(welcome))
        try channel.writeInbound(try FrameEncoder().encode(big))
        #expect(try channel.readInbound(as: WireMessage.self) == welcome)
        #expect(try channel.readInbound(as: WireMessage.self) == big)

        let fresh = try makeChannel(maxFrameSize: 4_096, handshakeMaxFrameSize: 256)
        #expect(throws: WireError.self) { try fresh.writeInbound(try FrameEncoder().encode(big)) }
    }

    @Test("a chunk or artifact frame goes out as its head and its bytes uncopied, the same frame as encoded whole")
    func bulkFramesUncopied() throws {
        let channel = try makeChannel(maxFrameSize: 1 << 20)
        var generator = MessageGenerator(seed: 11)
        for message in [generator.message(.chunk), generator.message(.artifact), generator.message(.chunk)] {
            guard let bulk = message.bulkBytesForTest else { Issue.record("no bulk bytes in \(message.type)"); continue }
            try channel.writeOutbound(message)
            var head = try #require(try channel.readOutbound(as: ByteBuffer.self))
            let tail = try #require(try channel.readOutbound(as: ByteBuffer.self))
            #expect(tail.readableBytesView.elementsEqual(bulk.readableBytesView))
            #expect(tail.withUnsafeReadableBytes { $0.baseAddress } == bulk.withUnsafeReadableBytes { $0.baseAddress })
            head.writeImmutableBuffer(tail)
            #expect(head == (try FrameEncoder().encode(message)))
            var decoder = FrameDecoder(maxFrameSize: 1 << 20)
            #expect(try decoder.next(&head) == message)
        }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try channel.finish()
    }

    @Test("a chunk whose bytes overrun the frame limit is refused: none of it is written, the peer is told, the connection closes")
    func bulkFrameTooLarge() throws {
        let channel = try makeChannel(maxFrameSize: 1_024)
        let chunk = WireMessage.chunk(ChunkData(
            jobID: .random(), fencingToken: 1, streamID: 1, sequence: 0, hash: WireChunkHash(high: 1, low: 2),
            bytes: ByteBuffer(repeating: 7, count: 1_000)))
        #expect(throws: WireError.self) { try channel.writeOutbound(chunk) }
        var written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        var decoder = FrameDecoder()
        guard case .error(let error)? = try decoder.next(&written) else {
            Issue.record("expected only an Error frame")
            return
        }
        #expect(error.code == .frameTooLarge)
        #expect(written.readableBytes == 0)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(!channel.isActive)
    }
}

extension WireMessage {
    /// The bytes that end a chunk or artifact frame.
    fileprivate var bulkBytesForTest: ByteBuffer? {
        switch self {
        case .chunk(let message): message.bytes
        case .artifact(let message): message.bytes
        default: nil
        }
    }
}
