import NIOCore

/// Writes messages as frames: header, then payload.
public struct FrameEncoder: Sendable {
    /// Messages whose payload would exceed this are refused (split artifacts and chunks).
    public var maxFrameSize: Int

    public init(maxFrameSize: Int = Frame.defaultMaxFrameSize) {
        self.maxFrameSize = maxFrameSize
    }

    /// Appends one frame to `buffer`; on error the buffer is left as it was.
    public func encode(_ message: WireMessage, into buffer: inout ByteBuffer, ignorable: Bool = false) throws(WireError) {
        try encode(message, into: &buffer, ignorable: ignorable, followedBy: 0)
    }

    /// As `encode(_:into:)`, but the bulk bytes that end a chunk or artifact frame are not
    /// copied: `buffer` gets the frame up to them, and they are returned, to be written
    /// right after it. Other messages are encoded whole and nil is returned.
    public func encodeDeferringBulk(_ message: WireMessage, into buffer: inout ByteBuffer) throws(WireError) -> ByteBuffer? {
        guard let (head, bulk) = message.splittingBulk() else {
            try encode(message, into: &buffer)
            return nil
        }
        try encode(head, into: &buffer, ignorable: false, followedBy: bulk.readableBytes)
        // The head ends with the bulk field's length prefix, written as 0.
        buffer.setInteger(UInt32(bulk.readableBytes), at: buffer.writerIndex - 4)
        return bulk
    }

    /// Writes `message`'s frame, counting `trailing` more payload bytes that the caller
    /// writes after it; refused (buffer unchanged) when the payload would be too large.
    private func encode(
        _ message: WireMessage, into buffer: inout ByteBuffer, ignorable: Bool, followedBy trailing: Int
    ) throws(WireError) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(message.type.rawValue)
        buffer.writeInteger(ignorable ? Frame.ignorableFlag : 0)
        message.encodePayload(into: &buffer)
        let length = buffer.writerIndex - start - Frame.headerSize + trailing
        guard length <= maxFrameSize, length <= Int(UInt32.max) else {
            buffer.moveWriterIndex(to: start)
            throw WireError(.frameTooLarge, messageType: message.type.rawValue, "payload of \(length) bytes exceeds the maximum of \(maxFrameSize)")
        }
        buffer.setInteger(UInt32(length), at: start)
    }

    /// One frame in a buffer of its own.
    public func encode(_ message: WireMessage, allocator: ByteBufferAllocator = ByteBufferAllocator()) throws(WireError) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        try encode(message, into: &buffer)
        return buffer
    }
}
