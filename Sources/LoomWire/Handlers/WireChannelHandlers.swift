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

/// Outbound: `WireMessage` → frame bytes. The bytes of a chunk or artifact frame are
/// written as they are, after a small buffer with the rest of the frame, instead of being
/// copied into a new buffer of the frame's size (`FrameEncoder.encodeDeferringBulk`).
public final class WireMessageWriter: ChannelOutboundHandler, RemovableChannelHandler {
    public typealias OutboundIn = WireMessage
    public typealias OutboundOut = ByteBuffer

    private let frameEncoder: FrameEncoder

    public init(maxFrameSize: Int = Frame.defaultMaxFrameSize) {
        frameEncoder = FrameEncoder(maxFrameSize: maxFrameSize)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var head = context.channel.allocator.buffer(capacity: 256)
        do {
            if let bulk = try frameEncoder.encodeDeferringBulk(unwrapOutboundIn(data), into: &head) {
                context.write(wrapOutboundOut(head), promise: nil)
                context.write(wrapOutboundOut(bulk), promise: promise)
            } else {
                context.write(wrapOutboundOut(head), promise: promise)
            }
        } catch {
            promise?.fail(error)
            context.fireErrorCaught(error)
        }
    }
}
