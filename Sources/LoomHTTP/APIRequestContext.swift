import Hummingbird
import HummingbirdWebSocket
import NIOCore
import LoomStore

/// The context of every request: Hummingbird's core, the WebSocket upgrade slot, and the
/// caller once `Authentication` has checked their token.
public struct APIRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The authenticated caller; nil on public routes.
    public var user: User?
    /// The connection the request came on (a refused WebSocket handshake is answered there).
    let channel: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
        user = nil
        channel = source.channel
    }

    /// Bodies are limited per route (`APIConfiguration`); this is only the outer bound.
    public var maxUploadSize: Int { Int(APIConfiguration.absoluteUploadLimit) }

    /// The caller, on a route behind `Authentication`.
    public func caller() throws -> User {
        guard let user else { throw APIError.unauthorized("this route needs a token") }
        return user
    }
}
