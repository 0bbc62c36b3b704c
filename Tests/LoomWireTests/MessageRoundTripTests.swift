import LoomWire
import NIOCore
import Testing

@Suite("Messages round-trip through frames")
struct MessageRoundTripTests {
    @Test("every message type round-trips with random contents", arguments: MessageType.allCases)
    func roundTrip(type: MessageType) throws {
        var generator = MessageGenerator(seed: UInt64(type.rawValue) * 7919)
        for _ in 0..<200 {
            let message = generator.message(type)
            var buffer = try FrameEncoder().encode(message)
            #expect(buffer.getInteger(at: 4, as: UInt8.self) == type.rawValue)
            #expect(buffer.getInteger(at: 0, as: UInt32.self).map(Int.init) == buffer.readableBytes - Frame.headerSize)
            var decoder = FrameDecoder()
            let decoded = try decoder.next(&buffer)
            #expect(decoded == message)
            #expect(buffer.readableBytes == 0)
        }
    }

    /// A stream of many frames, fed byte by byte, all at once, and in random splits, gives
    /// the same messages; nil (a short read) never consumes anything.
    @Test("the decoder gives the same messages however the bytes are split")
    func splits() throws {
        var generator = MessageGenerator(seed: 42)
        let messages = (0..<300).map { _ in generator.anyMessage() }
        let stream = try encodeFrames(messages)
        let bytes = Array(stream.readableBytesView)

        #expect(try decode(bytes, chunkSizes: { _ in bytes.count }) == messages)
        #expect(try decode(bytes, chunkSizes: { _ in 1 }) == messages)
        var random = SeededGenerator(seed: 7)
        #expect(try decode(bytes, chunkSizes: { _ in Int.random(in: 1...200, using: &random) }) == messages)
    }

    private func decode(_ bytes: [UInt8], chunkSizes: (Int) -> Int) throws -> [WireMessage] {
        var decoder = FrameDecoder()
        var buffer = ByteBuffer()
        var messages = [WireMessage]()
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSizes(offset))
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            while true {
                let before = buffer.readerIndex
                guard let message = try decoder.next(&buffer) else {
                    #expect(buffer.readerIndex == before, "a short read must rewind")
                    break
                }
                messages.append(message)
            }
        }
        #expect(buffer.readableBytes == 0)
        return messages
    }

    @Test("messages that write job state carry the job id and fencing token")
    func fencing() {
        var generator = MessageGenerator(seed: 3)
        let writers: [MessageType] = [
            .leaseAccept, .leaseReject, .cancelAck, .jobCompleted, .jobFailed, .nodeStatus, .nodeProgress, .metrics, .artifact,
            .chunkBegin, .chunk, .chunkEnd, .fetchChunks,
        ]
        for type in writers {
            #expect(generator.message(type).jobFencing != nil, "\(type)")
        }
        #expect(generator.message(.heartbeat).jobFencing == nil)
    }

    @Test("a large artifact is split into parts that fit the frame size and rebuild the bytes")
    func artifactParts() throws {
        let bytes = ByteBuffer(bytes: (0..<10_000).map { UInt8($0 % 251) })
        let parts = Artifact.parts(
            jobID: WireUUID.random(), fencingToken: 9, artifactID: 1, nodeID: "plot", name: "roc.svg", contentType: "image/svg+xml",
            bytes: bytes, maxFrameSize: 1_000)
        #expect(parts.count > 10)
        var rebuilt = ByteBuffer()
        let encoder = FrameEncoder(maxFrameSize: 1_000)
        for part in parts {
            #expect(part.offset == UInt64(rebuilt.readableBytes))
            _ = try encoder.encode(.artifact(part))
            var copy = part.bytes
            rebuilt.writeBuffer(&copy)
        }
        #expect(rebuilt == bytes)
    }

    @Test("UUIDs print and parse in the canonical form")
    func uuidText() {
        let text = "123e4567-e89b-42d3-a456-426614174000"
        let uuid = WireUUID(text)
        #expect(uuid?.description == text)
        #expect(WireUUID("not-a-uuid") == nil)
        var random = SeededGenerator(seed: 1)
        let generated = WireUUID.random(using: &random)
        #expect(WireUUID(generated.description) == generated)
        #expect(generated.description.dropFirst(14).first == "4")
    }

    @Test("UUID text: either case; anything but 32 hex digits with dashes after 8, 12, 16 and 20 is refused")
    func uuidTextRefusals() {
        let lower = "123e4567-e89b-42d3-a456-426614174000"
        #expect(WireUUID(lower.uppercased()) == WireUUID(lower))
        #expect(WireUUID(lower[...]) == WireUUID(lower))
        for text in [
            "", "123e4567e89b42d3a456426614174000", "123e4567-e89b-42d3-a456-42661417400",
            "123e4567-e89b-42d3-a456-4266141740000", "123e4567-e89b-42d3-a456-42661417400g",
            "123e456-7e89b-42d3-a456-426614174000", "123e4567-e89b-42d3-a456-426614174000-",
            "{123e4567-e89b-42d3-a456-426614174000}", "123e4567-e89b-42d3-a456-4266141740é",
        ] {
            #expect(WireUUID(text) == nil, "\(text)")
        }
    }

    @Test("UUIDs convert to and from the 16-byte tuple in network order")
    func uuidTuple() {
        let uuid = WireUUID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
        let tuple = uuid.uuid
        #expect(withUnsafeBytes(of: tuple) { Array($0) } == Array(1...16))
        #expect(WireUUID(uuid: tuple) == uuid)
        #expect(WireUUID(bytes: Array(1...16) as [UInt8]) == uuid)
    }
}
