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
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(message.type.rawValue)
        buffer.writeInteger(ignorable ? Frame.ignorableFlag : 0)
        message.encodePayload(into: &buffer)
        let length = buffer.writerIndex - start - Frame.headerSize
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
