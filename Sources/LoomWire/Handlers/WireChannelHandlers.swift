import NIOCore

/// Inbound: bytes → `WireMessage`. Wrap it in `ByteToMessageHandler`. It accepts frames
/// up to `handshakeMaxFrameSize` until the handshake's last inbound message (Welcome on a
/// worker, Authenticate on a coordinator) has passed, and up to `maxFrameSize` after.
public struct WireMessageDecoder: ByteToMessageDecoder {
    public typealias InboundOut = WireMessage

    private var frameDecoder: FrameDecoder
    private let sessionMaxFrameSize: Int

    public init(maxFrameSize: Int = Frame.defaultMaxFrameSize, handshakeMaxFrameSize: Int = Frame.handshakeMaxFrameSize) {
        frameDecoder = FrameDecoder(maxFrameSize: min(handshakeMaxFrameSize, maxFrameSize))
        sessionMaxFrameSize = maxFrameSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let message = try frameDecoder.next(&buffer) else { return .needMoreData }
        switch message {
        case .welcome, .authenticate: frameDecoder.maxFrameSize = sessionMaxFrameSize
        default: break
        }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if state == .needMoreData, seenEOF, buffer.readableBytes > 0 {
            throw WireError(.truncated, "connection closed inside a frame (\(buffer.readableBytes) bytes left)")
        }
        return state
    }
}

/// Outbound: `WireMessage` → frame bytes. Wrap it in `MessageToByteHandler`.
public struct WireMessageEncoder: MessageToByteEncoder {
    public typealias OutboundIn = WireMessage
    private let frameEncoder: FrameEncoder

    public init(maxFrameSize: Int = Frame.defaultMaxFrameSize) {
        frameEncoder = FrameEncoder(maxFrameSize: maxFrameSize)
    }

    public func encode(data: WireMessage, out: inout ByteBuffer) throws {
        try frameEncoder.encode(data, into: &out)
    }
}

/// Placed after the decoder: a protocol error from it closes the connection, after an
/// Error frame that tells the peer why. Other errors pass on.
public final class WireErrorHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = WireMessage
    public typealias InboundOut = WireMessage
    public typealias OutboundOut = WireMessage

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let wireError: WireError
        if let error = error as? WireError {
            wireError = error
        } else if error is ByteToMessageDecoderError.PayloadTooLargeError {
            wireError = WireError(.frameTooLarge, "buffered bytes exceed the decoder's limit")
        } else {
            context.fireErrorCaught(error)
            return
        }
        context.fireErrorCaught(wireError)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.error(ErrorMessage(wireError)))).whenComplete { _ in
            boundContext.value.close(promise: nil)
        }
    }
}
