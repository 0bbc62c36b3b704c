import Hummingbird
import HummingbirdCore
import NIOHTTPTypes
import NIOCore
import Synchronization

/// Makes a refused WebSocket handshake answer with the route's own error (401, 404, 400,
/// 503 with the API's JSON body) instead of a bare 400.
///
/// hummingbird-websocket (2.8.1) runs the route to decide on an upgrade, but when the route
/// throws it drops the answer and writes `400 Bad Request` with an empty body itself. So
/// the stream route's middleware (`recorder`) keeps the error it threw, keyed by the
/// connection, and a handler on that connection's HTTP pipeline (`channelHandlers`) writes
/// that error in place of the 400. A connection that closes first takes its entry along.
final class WebSocketRefusals: Sendable {
    private let pending = Mutex<[ObjectIdentifier: APIError]>([:])

    /// The middleware for the stream route: put it before authentication, so that a missing
    /// token is answered 401 too.
    var recorder: Recorder { Recorder(refusals: self) }

    /// The handlers for `HTTP1Channel.Configuration.additionalChannelHandlers`.
    var channelHandlers: @Sendable () -> [any RemovableChannelHandler] {
        { [self] in [RefusalWriter(refusals: self)] }
    }

    func record(_ error: APIError, on channel: any Channel) {
        let key = ObjectIdentifier(channel)
        pending.withLock { $0[key] = error }
        channel.closeFuture.whenComplete { [self] _ in _ = take(key) }
    }

    fileprivate func take(_ key: ObjectIdentifier) -> APIError? {
        pending.withLock { $0.removeValue(forKey: key) }
    }

    struct Recorder: RouterMiddleware {
        typealias Context = APIRequestContext
        let refusals: WebSocketRefusals

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            do {
                return try await next(request, context)
            } catch {
                if request.headers[.upgrade]?.lowercased() == "websocket" {
                    refusals.record(ErrorMiddleware<Context>.apiError(for: error, request: request, logger: context.logger), on: context.channel)
                }
                throw error
            }
        }
    }
}

/// Rewrites hummingbird-websocket's bare 400 for a refused handshake into the recorded error.
private final class RefusalWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let refusals: WebSocketRefusals
    private var refusal: APIError?

    init(refusals: WebSocketRefusals) {
        self.refusals = refusals
    }

    /// Added once the upgrade was turned down (or never asked for): the error, if any, is recorded by then.
    func handlerAdded(context: ChannelHandlerContext) {
        refusal = refusals.take(ObjectIdentifier(context.channel))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let error = refusal, case .head(let head) = unwrapOutboundIn(data), head.status == .badRequest else {
            context.write(data, promise: promise)
            return
        }
        refusal = nil
        let body = error.body()
        var fields = error.headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: error.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: promise)
    }
}
