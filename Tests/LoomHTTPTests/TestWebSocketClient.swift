import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOWebSocket

/// The stream tests' WebSocket client: its own opening handshake (RFC 6455 §4.1), then NIO's
/// frame decoder and encoder and a frame handler of its own.
///
/// Not HummingbirdWSClient, nor NIO's HTTP client upgrade handlers: on a loaded machine the
/// server's `101` and the stream after it (history, close frame) often reach the client in
/// one read, and with both of them the client then sometimes lost everything after the head.
/// HummingbirdWSClient 2.8.1 called its handler and never gave it a message or the end
/// (the bytes were read: Recv-Q 0, CLOSE-WAIT), so a test waited forever; NIO's
/// `NIOHTTPClientUpgradeHandler` (2.101.3) never finished the upgrade. Here the bytes after
/// the head go straight to the frame decoder. The HTTPS test still uses HummingbirdWSClient
/// for a WSS client.
enum TestWebSocketClient {
    /// What the server sent, up to its close frame or the connection's end.
    struct Stream: Sendable {
        var texts: [String]
        var closeCode: WebSocketErrorCode?
        var closeReason: String?
    }

    /// The server answered the handshake without upgrading.
    struct Refused: Error, CustomStringConvertible {
        /// The response's status code.
        var status: Int
        var description: String { "the WebSocket handshake was refused with \(status)" }
    }

    /// The server's answer to the handshake was not a valid one.
    struct BadHandshake: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `url` (`ws://HOST:PORT/PATH?QUERY`) and reads text messages until the server
    /// closes, the connection ends, or `leaveAfter` messages (then the client closes).
    /// `beforeReading` runs once upgraded, with the socket not read meanwhile: a slow client.
    /// `upgraded` is told when the handshake succeeded, `received` the messages read so far.
    static func read(
        _ url: String, headers: [(String, String)] = [], leaveAfter: Int? = nil,
        beforeReading: (@Sendable () async -> Void)? = nil, upgraded: @escaping @Sendable () -> Void = {},
        received: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> Stream {
        guard let components = URLComponents(string: url), components.scheme == "ws", let host = components.host,
              let port = components.port
        else { throw URLError(.badURL) }
        var target = components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"

        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.any().makePromise(of: Stream.self)
        let collector = FrameCollector(done: done, leaveAfter: leaveAfter, beforeReading: beforeReading, received: received)
        let handshake = Handshake(key: key, done: done) { channel in
            upgraded()
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 22)), WebSocketFrameEncoder(), collector,
            ])
        }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handshake) }
            }
            .connect(host: host, port: port).get()
        channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
        return try await withTaskCancellationHandler {
            try await done.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// Reads the server's answer to the opening handshake. On a valid `101` it makes way for the
/// WebSocket handlers and hands them whatever came after the head; any other answer fails the
/// read (`Refused` with its status).
private final class Handshake: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    // Touched on the channel's event loop only.
    private let key: String
    private let done: EventLoopPromise<TestWebSocketClient.Stream>
    private let upgrade: (any Channel) throws -> Void
    private var received = ByteBuffer()

    init(key: String, done: EventLoopPromise<TestWebSocketClient.Stream>, upgrade: @escaping (any Channel) throws -> Void) {
        self.key = key
        self.done = done
        self.upgrade = upgrade
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        guard let end = received.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
        let headLength = end.upperBound - received.readerIndex
        let head = received.readString(length: headLength) ?? ""
        do {
            try check(head)
            try upgrade(context.channel)
        } catch {
            done.fail(error)
            context.close(promise: nil)
            return
        }
        // What came after the head goes to the frame decoder (added after this handler), then
        // this handler leaves: later reads go there directly.
        if received.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(received)) }
        received = ByteBuffer()
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// A `101` whose `Sec-WebSocket-Accept` answers this handshake's key (RFC 6455 §4.2.2).
    private func check(_ head: String) throws {
        let lines = head.components(separatedBy: "\r\n")
        let status = lines.first?.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        guard let status else { throw TestWebSocketClient.BadHandshake(description: "not an HTTP response: \(lines.first ?? "")") }
        guard status == 101 else { throw TestWebSocketClient.Refused(status: status) }
        let accept = lines.dropFirst().compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "sec-websocket-accept" else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }.first
        let expected = Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        guard accept == expected else {
            throw TestWebSocketClient.BadHandshake(description: "Sec-WebSocket-Accept is \(accept ?? "missing"), not \(expected)")
        }
    }

    typealias InboundOut = ByteBuffer

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(TestWebSocketClient.BadHandshake(description: "the connection ended before the handshake was answered"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }
}

/// After the upgrade: collects text messages, answers pings, and completes on the close.
private final class FrameCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    // Touched on the channel's event loop only.
    private let done: EventLoopPromise<TestWebSocketClient.Stream>
    private let leaveAfter: Int?
    private let beforeReading: (@Sendable () async -> Void)?
    private let received: @Sendable (Int) -> Void
    private var stream = TestWebSocketClient.Stream(texts: [])
    private var partial: ByteBuffer?

    init(done: EventLoopPromise<TestWebSocketClient.Stream>, leaveAfter: Int?,
         beforeReading: (@Sendable () async -> Void)?, received: @escaping @Sendable (Int) -> Void) {
        self.done = done
        self.leaveAfter = leaveAfter
        self.beforeReading = beforeReading
        self.received = received
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let beforeReading else { return }
        let channel = context.channel
        channel.setOption(ChannelOptions.autoRead, value: false).whenSuccess {
            Task {
                await beforeReading()
                channel.setOption(ChannelOptions.autoRead, value: true).whenSuccess { channel.read() }
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .continuation:
            var data = frame.unmaskedData
            if frame.opcode == .continuation, var partial {
                partial.writeBuffer(&data)
                data = partial
            }
            guard frame.fin else {
                partial = data
                return
            }
            partial = nil
            stream.texts.append(String(buffer: data))
            received(stream.texts.count)
            if let leaveAfter, stream.texts.count >= leaveAfter {
                send(.connectionClose, closeCode: .normalClosure, context: context)
                finish(context: context)
            }
        case .connectionClose:
            var data = frame.unmaskedData
            stream.closeCode = data.readWebSocketErrorCode()
            stream.closeReason = data.readString(length: data.readableBytes)
            send(.connectionClose, closeCode: stream.closeCode ?? .normalClosure, context: context)
            finish(context: context)
        case .ping:
            send(.pong, payload: frame.unmaskedData, context: context)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(stream)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    private func finish(context: ChannelHandlerContext) {
        done.succeed(stream)
        context.close(promise: nil)
    }

    /// Client frames are masked (RFC 6455 §5.3).
    private func send(_ opcode: WebSocketOpcode, closeCode: WebSocketErrorCode? = nil, payload: ByteBuffer? = nil, context: ChannelHandlerContext) {
        var data = payload ?? context.channel.allocator.buffer(capacity: 2)
        if let closeCode { data.write(webSocketErrorCode: closeCode) }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)), promise: nil)
    }
}
