import LoomWire
import NIOCore

/// The first byte a peer sends says whether it speaks TLS (a record of type 22, the
/// handshake) or Loom's plain frames (a big-endian length, 0x00 for any frame Loom
/// allows). Placed first in a worker connection's pipeline on the coordinator, it turns a
/// peer that speaks the other way away with a message on both sides, instead of letting
/// BoringSSL or the frame decoder fail on bytes they cannot read.
final class PlainOrTLSProbe: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let tlsHandshakeRecord: UInt8 = 0x16

    private let expectsTLS: Bool
    private let refusal: TLSRefusal
    /// Sent in plain before closing; nil: close without a word.
    private let reply: ByteBuffer?

    init(expectsTLS: Bool, refusal: TLSRefusal, reply: ByteBuffer? = nil) {
        self.expectsTLS = expectsTLS
        self.refusal = refusal
        self.reply = reply
    }

    /// On a TLS port: a plain worker is told why in the protocol it speaks, a Reject
    /// before its handshake.
    static func onTLSPort(peer: String) -> PlainOrTLSProbe {
        let reject = Reject(
            reason: .invalidHello,
            message: "this coordinator's worker port requires TLS: start the worker with --tls-ca FILE (and --tls-cert/--tls-key if it asks for a certificate)")
        return PlainOrTLSProbe(
            expectsTLS: true,
            refusal: TLSRefusal(description: "worker at \(peer) spoke plain TCP to this TLS worker port; refused (start the worker with --tls-ca)"),
            reply: try? FrameEncoder().encode(.reject(reject)))
    }

    /// On a plain port: a worker that starts a TLS handshake cannot read a plain answer.
    static func onPlainPort(peer: String) -> PlainOrTLSProbe {
        PlainOrTLSProbe(
            expectsTLS: false,
            refusal: TLSRefusal(description: "worker at \(peer) started a TLS handshake, but this worker port is plain TCP; refused (start the coordinator with --tls-cert and --tls-key, or the worker without --tls-ca)"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            context.fireChannelRead(data)
            return
        }
        if (first == Self.tlsHandshakeRecord) == expectsTLS {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireErrorCaught(refusal)
        // This handler sits below TLS: what it writes goes out in plain.
        if let reply {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in bound.value.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}

/// Turns the TLS errors that pass through the pipeline into `TLSRefusal`s.
final class TLSRefusalTranslator: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let context: RefusalContext

    init(_ context: RefusalContext) {
        self.context = context
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.fireErrorCaught(self.context.refusal(for: error) ?? error)
    }
}
