import NIOCore

/// Hands the TLS handler at most `limit` bytes per flush, so it never encrypts a whole
/// batch of chunk frames into one buffer.
///
/// NIOSSL encrypts everything written since the last flush into one outbound buffer and
/// writes that buffer out in one go. A worker flushes once per event-loop turn, which can
/// be megabytes of chunks: the buffer then grows by doubling (copy after copy), its pages
/// are new to the process each time (page faults, zeroing), and the socket write holds it
/// so that the next batch needs a new one. In slices of `limit` bytes the buffer keeps its
/// size and is reused, and the socket takes each slice at once. Measured with
/// `scripts/bench wire` (chunk transfer over mutual TLS).
///
/// Sits just above the TLS handler: writes pass through, cut in slices (views, no copy)
/// with a flush after every `limit` bytes; the caller's flush still flushes the rest.
final class TLSWriteSlicer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Four TLS records: large enough that a flush costs little, small enough to stay in cache.
    static let defaultLimit = 64 << 10

    private let limit: Int
    private var unflushed = 0

    init(limit: Int = TLSWriteSlicer.defaultLimit) {
        precondition(limit > 0)
        self.limit = limit
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = unwrapOutboundIn(data)
        while unflushed + buffer.readableBytes > limit, let slice = buffer.readSlice(length: limit - unflushed) {
            context.write(wrapOutboundOut(slice), promise: nil)
            context.flush()
            unflushed = 0
        }
        unflushed += buffer.readableBytes
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        unflushed = 0
        context.flush()
    }
}
