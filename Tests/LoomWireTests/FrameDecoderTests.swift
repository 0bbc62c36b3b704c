import LoomWire
import NIOCore
import Testing

@Suite("Frame decoder on bad input")
struct FrameDecoderTests {
    private func frame(type: UInt8, flags: UInt8 = 0, payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeInteger(type)
        buffer.writeInteger(flags)
        buffer.writeBytes(payload)
        return buffer
    }

    private func decodeError(_ buffer: ByteBuffer, maxFrameSize: Int = Frame.defaultMaxFrameSize) -> WireError? {
        var buffer = buffer
        var decoder = FrameDecoder(maxFrameSize: maxFrameSize)
        do {
            while try decoder.next(&buffer) != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test("a length above the maximum is refused as soon as the four length bytes arrive")
    func oversizedLength() {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32.max)
        #expect(decodeError(buffer)?.code == .frameTooLarge)
        var small = ByteBuffer()
        small.writeInteger(UInt32(1_001))
        #expect(decodeError(small, maxFrameSize: 1_000)?.code == .frameTooLarge)
        var exact = ByteBuffer()
        exact.writeInteger(UInt32(1_000))
        #expect(decodeError(exact, maxFrameSize: 1_000) == nil, "exactly the maximum waits for more bytes")
    }

    @Test("an unknown type fails unless its frame is marked ignorable, which is skipped")
    func unknownTypes() throws {
        let unknown = frame(type: 0x6E, payload: [1, 2, 3])
        let error = decodeError(unknown)
        #expect(error?.code == .unknownMessageType)
        #expect(error?.messageType == 0x6E)

        var stream = frame(type: 0x6E, flags: Frame.ignorableFlag, payload: [1, 2, 3])
        try FrameEncoder().encode(.goodbye(Goodbye(reason: "bye")), into: &stream)
        var decoder = FrameDecoder()
        #expect(try decoder.next(&stream) == .goodbye(Goodbye(reason: "bye")))
        #expect(decoder.skippedFrames == 1)
    }

    @Test("reserved flags, trailing bytes, short payloads and bad values are specific errors")
    func specificErrors() throws {
        #expect(decodeError(frame(type: MessageType.goodbye.rawValue, flags: 0x80, payload: [0, 0, 0, 0]))?.code == .invalidFlags)
        #expect(decodeError(frame(type: MessageType.goodbye.rawValue, payload: [0, 0, 0, 0, 9]))?.code == .trailingBytes)
        let truncated = decodeError(frame(type: MessageType.goodbye.rawValue, payload: [0, 0, 0, 5, 65]))
        #expect(truncated?.code == .truncated)
        #expect(truncated?.field == "reason")
        #expect(truncated?.messageType == MessageType.goodbye.rawValue)
        #expect(decodeError(frame(type: MessageType.goodbye.rawValue, payload: [0, 0, 0, 1, 0xFF]))?.code == .invalidUTF8)
        let badBool = decodeError(frame(type: MessageType.chunkEnd.rawValue, payload: [UInt8](repeating: 0, count: 32) + [2]))
        #expect(badBool?.code == .invalidValue)
        #expect(badBool?.field == "aborted")
        let badList = decodeError(frame(type: MessageType.chunksMissing.rawValue, payload: [0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF]))
        #expect(badList?.code == .truncated, "a count larger than the bytes left is refused before reading elements")
    }

    @Test("the encoder refuses a payload over the maximum and leaves the buffer as it was")
    func encoderLimit() {
        var buffer = ByteBuffer(bytes: [1, 2, 3])
        let big = WireMessage.goodbye(Goodbye(reason: String(repeating: "x", count: 2_000)))
        #expect(throws: WireError.self) { try FrameEncoder(maxFrameSize: 1_000).encode(big, into: &buffer) }
        #expect(buffer == ByteBuffer(bytes: [1, 2, 3]))
    }

    /// 100,000 damaged frames — bit flips, overwritten bytes, truncations, random bytes,
    /// hostile lengths — give messages or WireErrors, never a crash. Memory stays bounded
    /// because the decoder allocates nothing from a length field: payloads are slices of
    /// the input, and list counts are checked against the bytes present.
    @Test("100,000 mutated, truncated and random frames only throw WireError")
    func hostileFrames() throws {
        var generator = MessageGenerator(seed: 2024)
        var random = SeededGenerator(seed: 99)
        let samples = try (0..<200).map { _ in Array(try FrameEncoder().encode(generator.anyMessage()).readableBytesView) }
        var outcomes = (messages: 0, errors: 0, incomplete: 0)
        for round in 0..<100_000 {
            var bytes = samples[round % samples.count]
            switch round % 5 {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                }
            case 1:
                let index = Int.random(in: Frame.headerSize..<max(Frame.headerSize + 1, bytes.count), using: &random)
                if index < bytes.count { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            case 2:
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            case 3:
                bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:
                // A plausible header whose length lies about the payload.
                let length = UInt32.random(in: 0...UInt32(bytes.count + 16), using: &random)
                bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: length.bigEndian, Array.init))
            }
            var buffer = ByteBuffer(bytes: bytes)
            var decoder = FrameDecoder(maxFrameSize: 4_096)
            do {
                if try decoder.next(&buffer) != nil { outcomes.messages += 1 } else { outcomes.incomplete += 1 }
            } catch {
                outcomes.errors += 1
            }
        }
        #expect(outcomes.messages + outcomes.errors + outcomes.incomplete == 100_000)
        #expect(outcomes.errors > 10_000)
        #expect(outcomes.messages > 1_000)
    }
}
