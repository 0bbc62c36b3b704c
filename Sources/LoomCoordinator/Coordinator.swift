import Foundation
import Logging
import LoomStore
import LoomTLS
import LoomWire
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The cluster core: the worker server (handshake, sessions), the dispatcher that pushes
/// leases, the reaper, and persistence of what workers send. No HTTP: the HTTP layer runs
/// beside it on the same database and follows stored events through LISTEN/NOTIFY.
///
/// `run()` is a ServiceLifecycle service: it returns once a graceful shutdown (SIGTERM) has
/// closed every session and flushed every write. Workers keep running their jobs and
/// reconnect, to this coordinator when it is back or to another.
public final class Coordinator: Service, Sendable {
    public let configuration: CoordinatorConfiguration
    public let queue: JobQueue
    let logger: Logger
    let pool: PostgresPool
    /// Heartbeats (lease renewals) on connections of their own: a busy writer or dispatcher
    /// must never make a lease expire.
    let leasePool: PostgresPool
    let leases: JobQueue
    let workers: Workers
    let sessions = SessionRegistry()
    let writer: JobWriter
    let dispatchWakes: AsyncStream<Void>
    let dispatchWake: AsyncStream<Void>.Continuation
    private let bound = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, any Error>])>((nil, []))
    let stopping = Atomic<Bool>(false)

    public init(configuration: CoordinatorConfiguration, logger: Logger = Logger(label: "loom.coordinator")) {
        self.configuration = configuration
        self.logger = logger
        pool = PostgresPool(.init(url: configuration.databaseURL, size: configuration.poolSize, applicationName: "loom-coordinator"))
        queue = JobQueue(pool: pool, configuration: configuration.queueConfiguration)
        leasePool = PostgresPool(.init(url: configuration.databaseURL, size: 2, applicationName: "loom-coordinator-leases"))
        leases = JobQueue(pool: leasePool, configuration: configuration.queueConfiguration)
        workers = Workers(pool: pool)
        writer = JobWriter(queue: queue, lanes: configuration.writeLanes, maxBatch: configuration.maxWriteBatch, logger: logger)
        (dispatchWakes, dispatchWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The port the server listens on, once it does.
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let port: Int? = bound.withLock { state in
                if state.port == nil { state.waiters.append(continuation) }
                return state.port
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    /// Workers connected now (instance ids).
    public var connectedWorkers: [UUID] { sessions.all.map(\.instanceID) }

    /// Tells a worker to drain: it takes no new leases, finishes what it runs within
    /// `grace`, hands back the rest and leaves. False when it is not connected here.
    @discardableResult
    public func drain(worker: UUID, grace: Duration, reason: String = "operator drain") async -> Bool {
        guard let handle = sessions.session(worker) else { return false }
        handle.state.withLock { $0.drain() }
        let deadline = WireTime(Date().addingTimeInterval(grace.seconds))
        handle.send(.drain(Drain(deadline: deadline, reason: reason)))
        _ = try? await workers.setState(worker, .draining)
        return true
    }

    /// An operator's drain or undrain (NOTIFY `loom_workers` from the admin API): a drained
    /// worker is leased nothing more, its running jobs finish as usual, and it stays
    /// connected, so an undrain gives it jobs again. (`drain(worker:grace:)` is the other
    /// kind: the worker hands back what is left and leaves.) A worker connected to another
    /// coordinator is that one's business.
    func apply(_ state: WorkerState, to worker: UUID) {
        guard let handle = sessions.session(worker), state != .gone else { return }
        let drain = state == .draining
        let changed = handle.state.withLock { session in
            let changed = session.paused != drain
            if drain { session.pause() } else { session.resume() }
            return changed
        }
        guard changed else { return }
        logger.info(drain ? "worker drained by an operator" : "worker undrained by an operator", metadata: ["worker": "\(handle.worker.name)"])
        if !drain { wakeDispatcher() }
    }

    /// A `loom_workers` payload: 'INSTANCE_ID:STATE'.
    static func workerNotice(_ payload: String) -> (UUID, WorkerState)? {
        let parts = payload.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let worker = UUID(uuidString: parts[0]), let state = WorkerState(rawValue: parts[1]) else { return nil }
        return (worker, state)
    }

    /// Applies the stored state of every connected worker: after the listener was away,
    /// an operator's drain or undrain may have been missed.
    func syncWorkerStates() async {
        guard !sessions.all.isEmpty else { return }
        do {
            for record in try await workers.list() where sessions.session(record.instanceID) != nil {
                apply(record.state, to: record.instanceID)
            }
        } catch {
            logger.error("reading the workers' states failed: \(error)")
        }
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { [configuration] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addWorkerPortSecurity(
                        configuration.tls, peer: channel.remoteAddress?.description ?? "unknown")
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(WireMessageDecoder(maxFrameSize: configuration.maxFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(
                        WireMessageWriter(maxFrameSize: configuration.maxFrameSize))
                    try channel.pipeline.syncOperations.addHandler(WireErrorHandler())
                    return try NIOAsyncChannel<WireMessage, WireMessage>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? configuration.port
        let waiters = bound.withLock { state in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
        logger.info("coordinator listening", metadata: [
            "host": "\(configuration.host)", "port": "\(port)", "tls": "\(configuration.tls.map { $0.requiresClientCertificates ? "mutual" : "on" } ?? "off")"])

        let listener = PostgresListener(.init(url: configuration.databaseURL, channels: ["loom_queue", "loom_cancel", "loom_workers"]))
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.writer.run() }
                group.addTask { await self.runDispatcher() }
                group.addTask { await self.runSweep() }
                group.addTask { await self.runReaper() }
                group.addTask { await self.runListener(listener) }
                group.addTask {
                    await withDiscardingTaskGroup { connections in
                        do {
                            try await server.executeThenClose { inbound in
                                for try await connection in inbound {
                                    connections.addTask { await self.serve(connection) }
                                }
                            }
                        } catch {
                            if !self.isStopping { self.logger.error("worker server failed: \(error)") }
                        }
                    }
                    // Every connection has ended: stop the loops, flush what is left.
                    self.stopLoops(listener)
                }
            }
        } onGracefulShutdown: {
            self.beginShutdown(server: server.channel)
        }
        await pool.close()
        await leasePool.close()
        logger.info("coordinator stopped")
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Stops accepting, says Goodbye to every worker and closes its connection.
    private func beginShutdown(server: any Channel) {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        logger.info("coordinator shutting down")
        server.close(promise: nil)
        for handle in sessions.all {
            handle.send(.goodbye(Goodbye(reason: "coordinator stopping")))
            handle.close()
        }
    }

    private func stopLoops(_ listener: PostgresListener) {
        stopping.store(true, ordering: .relaxed)
        dispatchWake.finish()
        writer.finish()
        listener.stop()
    }

    /// Wakes the dispatcher (a job was queued, a slot freed, a worker arrived).
    func wakeDispatcher() {
        dispatchWake.yield()
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
