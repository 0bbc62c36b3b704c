import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket

/// A client of the live stream (`GET /api/workflows/{job_id}/stream`), for `loom watch` and
/// the tests: it does the opening handshake itself (RFC 6455 §4.1), then reads through NIO's
/// frame decoder, answering pings and the server's close.
///
/// Not HummingbirdWSClient, nor NIO's HTTP client upgrade handlers: when the server's `101`
/// and the stream after it (a finished job's history and close frame) reach the client in
/// one read — as they often do on a loaded machine — both sometimes lost everything after
/// the head. HummingbirdWSClient 2.8.1 (swift-websocket 1.6.2, NIO 2.101.3) called its
/// handler and never gave it a message or the connection's end (the bytes had been read:
/// Recv-Q 0, CLOSE-WAIT), so the client waited forever; `NIOHTTPClientUpgradeHandler` never
/// finished the upgrade. Here the bytes after the head go straight to the frame decoder.
public enum StreamClient {
    /// How the stream ended: the server's close frame, or nil when the connection just ended.
    public struct Ending: Sendable {
        public var closeCode: WebSocketErrorCode?
        public var closeReason: String?
    }

    /// The server answered the handshake without upgrading: its status and body (the API's
    /// JSON error).
    public struct Refused: Error, CustomStringConvertible {
        public var status: Int
        public var body: String
        public var description: String { "the stream was refused with \(status): \(body)" }
    }

    /// The server's answer to the handshake was not a valid one.
    public struct BadHandshake: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connects to `url` (`ws://` or `wss://`, with path and query) and hands each text message
    /// to `onText` until the server closes, the connection ends, or `onText` returns false
    /// (then the client closes normally). `tls` is required for `wss://`. `beforeReading`
    /// runs once upgraded, before anything is read, with the socket not read meanwhile.
    public static func read(
        _ url: String, headers: [(String, String)] = [], tls: NIOSSLContext? = nil, serverHostname: String? = nil,
        beforeReading: (@Sendable () async -> Void)? = nil, onUpgrade: @escaping @Sendable () -> Void = {},
        onText: @escaping @Sendable (String) -> Bool
    ) async throws -> Ending {
        guard let components = URLComponents(string: url), let host = components.host,
              components.scheme == "ws" || components.scheme == "wss"
        else { throw BadHandshake(description: "not a ws:// or wss:// address: \(url)") }
        let secure = components.scheme == "wss"
        if secure && tls == nil { throw BadHandshake(description: "\(url) needs a TLS configuration") }
        let port = components.port ?? (secure ? 443 : 80)
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"

        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.any().makePromise(of: Ending.self)
        let reader = FrameReader(done: done, beforeReading: beforeReading, onText: onText)
        let handshake = Handshake(key: key, done: done) { channel in
            onUpgrade()
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 22)), WebSocketFrameEncoder(), reader,
            ])
        }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if secure, let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverHostname ?? host))
                    }
                    try channel.pipeline.syncOperations.addHandler(handshake)
                }
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
/// frame handlers and hands them whatever came after the head; any other answer fails the
/// read with `Refused` once its body is read (to its `Content-Length`, or the connection's end).
private final class Handshake: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    // Touched on the channel's event loop only.
    private let key: String
    private let done: EventLoopPromise<StreamClient.Ending>
    private let upgrade: (any Channel) throws -> Void
    private var received = ByteBuffer()
    private var refusedWith: Int?
    private var bodyLength: Int?

    init(key: String, done: EventLoopPromise<StreamClient.Ending>, upgrade: @escaping (any Channel) throws -> Void) {
        self.key = key
        self.done = done
        self.upgrade = upgrade
    }

    /// The most bytes read for a response head before the answer is taken as invalid.
    private static let headLimit = 64 * 1024

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        if refusedWith != nil {
            refuseIfComplete(context: context)
            return
        }
        guard let end = received.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else {
            if received.readableBytes > Self.headLimit {
                fail(StreamClient.BadHandshake(description: "no end to the response head in \(Self.headLimit) bytes"), context: context)
            }
            return
        }
        let head = received.readString(length: end.upperBound - received.readerIndex) ?? ""
        do {
            guard try check(head) else {
                // Refused: the body (the API's JSON error) follows.
                refuseIfComplete(context: context)
                return
            }
            try upgrade(context.channel)
        } catch {
            fail(error, context: context)
            return
        }
        // What came after the head goes to the frame decoder (added after this handler);
        // then this handler leaves, and later reads go there directly.
        if received.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(received)) }
        received = ByteBuffer()
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// True for a `101` whose `Sec-WebSocket-Accept` answers this handshake's key (RFC 6455
    /// §4.2.2); false for another status (kept for `Refused`).
    private func check(_ head: String) throws -> Bool {
        let lines = head.components(separatedBy: "\r\n")
        guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw StreamClient.BadHandshake(description: "not an HTTP response: \(lines.first ?? "")")
        }
        guard status == 101 else {
            refusedWith = status
            bodyLength = lines.dropFirst().lazy.compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first
            return false
        }
        let accept = lines.dropFirst().lazy.compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "sec-websocket-accept" else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }.first
        let expected = Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
            .base64EncodedString()
        guard accept == expected else {
            throw StreamClient.BadHandshake(description: "Sec-WebSocket-Accept is \(accept ?? "missing"), not \(expected)")
        }
        return true
    }

    /// Fails the read with `Refused` once the refusal's body is all here (`Content-Length`);
    /// without one, the body ends with the connection.
    private func refuseIfComplete(context: ChannelHandlerContext) {
        guard let refusedWith, let bodyLength, received.readableBytes >= bodyLength else { return }
        fail(StreamClient.Refused(status: refusedWith, body: received.getString(at: received.readerIndex, length: bodyLength) ?? ""),
             context: context)
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let refusedWith {
            done.fail(StreamClient.Refused(status: refusedWith, body: String(buffer: received)))
        } else {
            done.fail(StreamClient.BadHandshake(description: "the connection ended before the handshake was answered"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }
}

/// After the upgrade: hands text messages over, answers pings, and completes on the close.
private final class FrameReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    // Touched on the channel's event loop only.
    private let done: EventLoopPromise<StreamClient.Ending>
    private let beforeReading: (@Sendable () async -> Void)?
    private let onText: @Sendable (String) -> Bool
    private var partial: ByteBuffer?
    private var finished = false

    init(done: EventLoopPromise<StreamClient.Ending>, beforeReading: (@Sendable () async -> Void)?,
         onText: @escaping @Sendable (String) -> Bool) {
        self.done = done
        self.beforeReading = beforeReading
        self.onText = onText
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
        guard !finished else { return }
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
            if !onText(String(buffer: data)) {
                send(.connectionClose, closeCode: .normalClosure, context: context)
                finish(StreamClient.Ending(closeCode: nil, closeReason: nil), context: context)
            }
        case .connectionClose:
            var data = frame.unmaskedData
            let ending = StreamClient.Ending(
                closeCode: data.readWebSocketErrorCode(), closeReason: data.readString(length: data.readableBytes))
            send(.connectionClose, closeCode: ending.closeCode ?? .normalClosure, context: context)
            finish(ending, context: context)
        case .ping:
            send(.pong, payload: frame.unmaskedData, context: context)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(StreamClient.Ending(closeCode: nil, closeReason: nil))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    private func finish(_ ending: StreamClient.Ending, context: ChannelHandlerContext) {
        finished = true
        done.succeed(ending)
        context.close(promise: nil)
    }

    /// Client frames are masked (RFC 6455 §5.3).
    private func send(_ opcode: WebSocketOpcode, closeCode: WebSocketErrorCode? = nil, payload: ByteBuffer? = nil,
                      context: ChannelHandlerContext) {
        var data = payload ?? context.channel.allocator.buffer(capacity: 2)
        if let closeCode { data.write(webSocketErrorCode: closeCode) }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)), promise: nil)
    }
}
