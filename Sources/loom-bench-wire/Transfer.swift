import Foundation
import LoomTLS
import LoomWire
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Chunk transfer over loopback TCP, as a worker streams a dataset: ChunkData frames from
/// a client to a server that decodes them, plain and with mutual TLS 1.3 (the pipelines
/// the coordinator and the worker use, certificates from scripts/certs).
enum Transfer {
    struct Rate {
        var megabytesPerSecond: Double
        /// CPU seconds of this process (both ends) per GB moved.
        var cpuSecondsPerGB: Double
    }

    /// The best of `runs` transfers of `chunks`, `rounds` times each.
    static func rate(chunks: [[UInt8]], rounds: Int, runs: Int, tls: (WorkerPortTLS, CoordinatorLinkTLS)?) async throws -> Rate {
        let messages = chunks.enumerated().map { index, chunk in
            WireMessage.chunk(ChunkData(
                jobID: WireUUID(high: 1, low: 2), fencingToken: 1, streamID: 1, sequence: UInt32(index),
                hash: WireChunkHash(high: 0, low: UInt64(index)), bytes: ByteBuffer(bytes: chunk)))
        }
        let bytes = chunks.reduce(0) { $0 + $1.count } * rounds
        var best = Rate(megabytesPerSecond: 0, cpuSecondsPerGB: 0)
        for _ in 0..<runs {
            let cpuBefore = cpuSeconds()
            let start = ContinuousClock.now
            try await transfer(messages, rounds: rounds, expecting: bytes, tls: tls)
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Rate(megabytesPerSecond: Double(bytes) / 1e6 / seconds, cpuSecondsPerGB: (cpuSeconds() - cpuBefore) / (Double(bytes) / 1e9))
            if rate.megabytesPerSecond > best.megabytesPerSecond { best = rate }
        }
        return best
    }

    private static func transfer(_ messages: [WireMessage], rounds: Int, expecting bytes: Int, tls: (WorkerPortTLS, CoordinatorLinkTLS)?) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let received = group.next().makePromise(of: Void.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addWorkerPortSecurity(tls?.0, peer: "bench")
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(
                        WireMessageDecoder(maxFrameSize: Frame.defaultMaxFrameSize, handshakeMaxFrameSize: Frame.defaultMaxFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(ChunkCounter(expecting: bytes, done: received))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addCoordinatorLinkSecurity(tls?.1, host: "127.0.0.1", port: 0)
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(WireMessageEncoder()))
                }
            }
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
        for _ in 0..<rounds {
            for message in messages { client.write(message, promise: nil) }
        }
        client.flush()
        try await received.futureResult.get()
        try await client.close()
        try await server.close()
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

/// Counts the chunk bytes decoded; done once `expecting` have arrived.
private final class ChunkCounter: ChannelInboundHandler {
    typealias InboundIn = WireMessage
    private var remaining: Int
    private let done: EventLoopPromise<Void>

    init(expecting: Int, done: EventLoopPromise<Void>) {
        remaining = expecting
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .chunk(let chunk) = unwrapInboundIn(data) else { return }
        remaining -= chunk.bytes.readableBytes
        if remaining == 0 { done.succeed() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }
}
