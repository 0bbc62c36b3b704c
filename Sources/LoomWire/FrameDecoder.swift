import NIOCore

/// Frame layout constants (proto/PROTOCOL.md, "Framing").
public enum Frame {
    /// length u32 · type u8 · flags u8
    public static let headerSize = 6
    /// The default largest payload, 16 MiB.
    public static let defaultMaxFrameSize = 16 << 20
    /// The largest payload accepted before the handshake completes: an unauthenticated
    /// peer cannot make us buffer more than this.
    public static let handshakeMaxFrameSize = 64 << 10
    /// A receiver that does not know the frame's type skips it instead of failing.
    public static let ignorableFlag: UInt8 = 0x01
}

/// Cuts frames out of a byte stream and decodes their messages. Pure and single-step:
/// `next` either returns one message and consumes its frame, or returns nil and leaves
/// the buffer as it was (a short read), or throws. The maximum frame size is checked as
/// soon as the four length bytes are there, so a hostile length is refused before its
/// bytes arrive and nothing is allocated for it.
public struct FrameDecoder: Sendable {
    public var maxFrameSize: Int
    /// Frames of unknown type marked ignorable that were skipped.
    public private(set) var skippedFrames = 0

    public init(maxFrameSize: Int = Frame.defaultMaxFrameSize) {
        self.maxFrameSize = maxFrameSize
    }

    public mutating func next(_ buffer: inout ByteBuffer) throws(WireError) -> WireMessage? {
        while true {
            let start = buffer.readerIndex
            guard let length = buffer.getInteger(at: start, endianness: .big, as: UInt32.self) else { return nil }
            guard UInt64(length) <= UInt64(maxFrameSize) else {
                throw WireError(.frameTooLarge, "frame of \(length) bytes exceeds the maximum of \(maxFrameSize)")
            }
            guard let typeCode = buffer.getInteger(at: start + 4, as: UInt8.self),
                let flags = buffer.getInteger(at: start + 5, as: UInt8.self)
            else { return nil }
            guard flags & ~Frame.ignorableFlag == 0 else {
                throw WireError(.invalidFlags, messageType: typeCode, "reserved flag bits set: 0x\(String(flags, radix: 16))")
            }
            guard buffer.readableBytes - Frame.headerSize >= Int(length) else { return nil }
            buffer.moveReaderIndex(forwardBy: Frame.headerSize)
            guard let payload = buffer.readSlice(length: Int(length)) else { return nil }
            guard let type = MessageType(rawValue: typeCode) else {
                if flags & Frame.ignorableFlag != 0 {
                    skippedFrames += 1
                    continue
                }
                throw WireError(.unknownMessageType, messageType: typeCode, "message type 0x\(String(typeCode, radix: 16)) is unknown")
            }
            do {
                return try WireMessage.decode(type: type, payload: payload)
            } catch {
                throw error.inMessage(typeCode)
            }
        }
    }
}
