import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Lets a refused WebSocket handshake be answered like any other request: 401 without a
/// valid token, 404 for an unknown or another user's job, with the API's JSON error.
///
/// When the stream route refuses an upgrade, NIO can only decline it: the request then goes
/// on as plain HTTP on a connection without the upgrader. hummingbird-websocket answers such
/// a request (it still says `Upgrade: websocket`) with a redirect to itself, meant for a
/// handshake sent after other requests on a kept-alive connection; the client gives up with
/// no reason. This handler sits on the HTTP side of every connection that was not upgraded
/// and, for the connection's first request only (a refused handshake is always the first),
/// takes the handshake headers off: the router then answers it as a GET of the route, whose
/// middleware and checks throw the same errors the upgrade did. Later requests keep the
/// redirect, which they need.
final class RefusedHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        if head.headerFields[.upgrade]?.lowercased() == "websocket" {
            head.headerFields[.upgrade] = nil
            head.headerFields[.secWebSocketKey] = nil
            // The client expected the connection to become a WebSocket: end it after the answer.
            head.headerFields[.connection] = "close"
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }
}

extension RefusedHandshakeHandler {
    /// The HTTP side of the server's connections, with this handler on each.
    static var http1Configuration: HTTP1Channel.Configuration {
        .init(additionalChannelHandlers: [RefusedHandshakeHandler()])
    }
}
