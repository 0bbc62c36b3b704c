import Foundation
import LoomTLS
import LoomWire
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Chunk transfer over TCP, as a worker streams a dataset: ChunkData frames from a client
/// to a server that decodes them, plain and with mutual TLS 1.3 (the pipelines the
/// coordinator and the worker use, certificates from scripts/certs), over loopback or a
/// `ShapedLink`.
enum Transfer {
    struct Rate {
        var megabytesPerSecond: Double
        /// CPU seconds of this process (both ends) per GB moved.
        var cpuSecondsPerGB: Double
    }

    /// The best of `runs` transfers of `chunks`, `rounds` times each, each on a new
    /// connection. The clock runs from the first write to the last byte decoded: a link
    /// lives as long as its worker, so its set-up (TCP, the TLS handshake, the first
    /// allocations) is done and one chunk has crossed before the clock starts.
    static func rate(
        chunks: [[UInt8]], rounds: Int, runs: Int, tls: (WorkerPortTLS, CoordinatorLinkTLS)?, over link: ShapedLink? = nil
    ) async throws -> Rate {
        let messages = chunks.enumerated().map { index, chunk in
            WireMessage.chunk(ChunkData(
                jobID: WireUUID(high: 1, low: 2), fencingToken: 1, streamID: 1, sequence: UInt32(index),
                hash: WireChunkHash(high: 0, low: UInt64(index)), bytes: ByteBuffer(bytes: chunk)))
        }
        let bytes = chunks.reduce(0) { $0 + $1.count } * rounds
        var best = Rate(megabytesPerSecond: 0, cpuSecondsPerGB: 0)
        for _ in 0..<runs {
            let connection = try await Link.open(tls: tls, over: link)
            try await connection.send([messages[0]], bytes: chunks[0].count)
            let cpuBefore = cpuSeconds()
            let start = ContinuousClock.now
            try await connection.send(Array(repeating: messages, count: rounds).flatMap { $0 }, bytes: bytes)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Rate(megabytesPerSecond: Double(bytes) / 1e6 / seconds, cpuSecondsPerGB: (cpuSeconds() - cpuBefore) / (Double(bytes) / 1e9))
            if rate.megabytesPerSecond > best.megabytesPerSecond { best = rate }
            try await connection.close()
        }
        return best
    }

    /// A client connected to a server that decodes what it receives, as a worker's link
    /// to the coordinator. Each end has an event loop (a thread) of its own, as it would
    /// on its own machine.
    private struct Link {
        let server: any Channel
        let client: any Channel
        let counter: ChunkCounter

        static func open(tls: (WorkerPortTLS, CoordinatorLinkTLS)?, over link: ShapedLink?) async throws -> Link {
            let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
            let counter = ChunkCounter()
            let bootstrap = ServerBootstrap(group: loops[0])
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addWorkerPortSecurity(tls?.0, peer: "bench")
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
                            WireMessageDecoder(maxFrameSize: Frame.defaultMaxFrameSize, handshakeMaxFrameSize: Frame.defaultMaxFrameSize)))
                        try channel.pipeline.syncOperations.addHandler(counter)
                    }
                }
            let server = try await (link.map { bootstrap.withBoundSocket(try $0.listeningSocket()) } ?? bootstrap.bind(host: "127.0.0.1", port: 0)).get()
            let client = try await ClientBootstrap(group: loops[1 % loops.count])
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // The certificate names localhost and 127.0.0.1, not the link's address.
                        try channel.pipeline.syncOperations.addCoordinatorLinkSecurity(tls?.1, host: link == nil ? "127.0.0.1" : "localhost", port: 0)
                        try channel.pipeline.syncOperations.addHandler(WireMessageWriter())
                    }
                }
                .connect(host: link?.serverHost ?? "127.0.0.1", port: server.localAddress!.port!).get()
            return Link(server: server, client: client, counter: counter)
        }

        /// Writes `messages` (one flush) and waits until the server has decoded `bytes` chunk bytes.
        func send(_ messages: [WireMessage], bytes: Int) async throws {
            let received = try await counter.expect(bytes)
            for message in messages { client.write(message, promise: nil) }
            client.flush()
            try await received.get()
        }

        func close() async throws {
            try await client.close()
            try await server.close()
        }
    }

    /// Certificates for the TLS runs, in a new temporary folder.
    static func certificates() throws -> (WorkerPortTLS, CoordinatorLinkTLS) {
        let directory = NSTemporaryDirectory() + "loom-bench-wire-\(getpid())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["scripts/certs", "all", directory]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { fatalError("scripts/certs failed (run the benchmark from the repository root)") }
        return (
            try WorkerPortTLS(.init(certificate: directory + "/coordinator.pem", key: directory + "/coordinator-key.pem", clientCA: directory + "/ca.pem")),
            try CoordinatorLinkTLS(.init(ca: directory + "/ca.pem", certificate: directory + "/worker-1.pem", key: directory + "/worker-1-key.pem")))
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Counts the chunk bytes decoded and says when an expected number have arrived. Shared
/// by the server's child channels (one per link), all on the singleton group's loops.
private final class ChunkCounter: ChannelInboundHandler, Sendable {
    typealias InboundIn = WireMessage
    private struct Expectation {
        var remaining = 0
        var done: EventLoopPromise<Void>?
    }
    private let expectation = Mutex(Expectation())

    /// A future that succeeds once `bytes` more chunk bytes have been decoded.
    func expect(_ bytes: Int) async throws -> EventLoopFuture<Void> {
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        expectation.withLock { $0 = Expectation(remaining: bytes, done: promise) }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .chunk(let chunk) = unwrapInboundIn(data) else { return }
        let finished = expectation.withLock { expectation -> EventLoopPromise<Void>? in
            expectation.remaining -= chunk.bytes.readableBytes
            guard expectation.remaining == 0 else { return nil }
            defer { expectation.done = nil }
            return expectation.done
        }
        finished?.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        expectation.withLock { $0.done }?.fail(error)
        context.close(promise: nil)
    }
}
