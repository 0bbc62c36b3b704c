import Foundation
import Logging
import LoomTLS
import LoomWire
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A worker node: connects out to a coordinator, says who it is, is pushed leases, runs up
/// to `slots` jobs, heartbeats, and streams everything back. It owns nothing durable.
///
/// `run()` is a ServiceLifecycle service. On graceful shutdown (SIGTERM) or a Drain from
/// the coordinator it takes no new leases, lets running jobs finish within the grace
/// period, hands back the rest, says Goodbye and returns.
public final class Worker: Service, Sendable {
    public let configuration: WorkerConfiguration
    /// New at every process start (a Worker is made once per process).
    public let instanceID: WireUUID
    let logger: Logger
    let runner: any WorkflowJobRunner
    let link: Link
    let jobs = JobTable()
    let heartbeats = HeartbeatLog()
    let cache: ChunkCache
    let cpu: CPUExecutor
    /// When a heartbeat was last answered (ms since 1970); 0 before the first.
    let lastAnswer = Atomic<Int64>(0)
    let draining = Atomic<Bool>(false)
    private let drainRequests: AsyncStream<Duration?>
    private let drainRequest: AsyncStream<Duration?>.Continuation
    private let stopped = Atomic<Bool>(false)

    public init(configuration: WorkerConfiguration, runner: any WorkflowJobRunner, logger: Logger = Logger(label: "loom.worker")) {
        self.configuration = configuration
        self.runner = runner
        self.logger = logger
        instanceID = .random()
        link = Link(maxBuffered: configuration.maxBufferedMessages)
        cache = ChunkCache(limit: configuration.chunkCacheBytes)
        cpu = CPUExecutor(threads: configuration.cpuThreads)
        (drainRequests, drainRequest) = AsyncStream.makeStream(of: Duration?.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Starts a drain as SIGTERM would (tests, embedding).
    public func drain() { drainRequest.yield(nil) }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.connectLoop() }
                group.addTask { await self.watchLeases() }
                // The drain: from SIGTERM (below) or the coordinator (Drain, with a deadline).
                for await grace in drainRequests {
                    await self.performDrain(grace: grace ?? configuration.drainGrace)
                    break
                }
                stopped.store(true, ordering: .relaxed)
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.drainRequest.yield(nil)
        }
        logger.info("worker stopped", metadata: ["worker": "\(configuration.name)"])
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    // MARK: Connection

    /// Connects, runs the session, and on loss reconnects with backoff and full jitter.
    private func connectLoop() async {
        var delay = configuration.reconnectDelay
        while !Task.isCancelled, !isStopped {
            let start = ContinuousClock.now
            do {
                try await connectOnce()
            } catch is CancellationError {
                return
            } catch {
                logger.notice("connection to the coordinator ended", metadata: ["error": "\(error)"])
            }
            link.disconnected()
            if Task.isCancelled || isStopped { return }
            if ContinuousClock.now - start > .seconds(10) { delay = configuration.reconnectDelay }
            let pause = Duration.milliseconds(Int64.random(in: 0...max(1, Int64(delay.seconds * 1000))))
            try? await Task.sleep(for: pause)
            delay = min(delay * 2, configuration.maxReconnectDelay)
        }
    }

    private func connectOnce() async throws {
        let maxFrame = Frame.defaultMaxFrameSize
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.milliseconds(Int64(configuration.connectTimeout.seconds * 1000)))
            .connect(host: configuration.coordinatorHost, port: configuration.coordinatorPort) { [configuration] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addCoordinatorLinkSecurity(
                        configuration.tls, host: configuration.coordinatorHost, port: configuration.coordinatorPort)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(WireMessageDecoder(maxFrameSize: maxFrame)))
                    try channel.pipeline.syncOperations.addHandler(WireMessageWriter(maxFrameSize: maxFrame))
                    try channel.pipeline.syncOperations.addHandler(WireErrorHandler())
                    return try NIOAsyncChannel<WireMessage, WireMessage>(wrappingChannelSynchronously: channel)
                }
            }
        try await connection.executeThenClose { inbound, outbound in
            var messages = inbound.makeAsyncIterator()
            var generator = SystemRandomNumberGenerator()
            var handshake = WorkerHandshake(
                configuration: .init(
                    workerName: configuration.name, instanceID: instanceID, slots: UInt16(clamping: configuration.slots),
                    labels: configuration.labels.sorted { $0.key < $1.key }.map { Hello.Label(key: $0.key, value: $0.value) },
                    buildVersion: configuration.buildVersion, secret: configuration.secret),
                workerNonce: .random(using: &generator))
            var action = handshake.event(.start(now: .now))
            var session: WorkerSession?
            let channel = connection.channel
            let timeout = Task {
                try await Task.sleep(for: .seconds(10))
                channel.close(promise: nil)
            }
            defer { timeout.cancel() }
            handshakeLoop: while true {
                switch action {
                case .send(let message):
                    try await outbound.write(message)
                case .established(let established):
                    session = established
                    break handshakeLoop
                case .fail(let failure, let reply):
                    if let reply { try? await outbound.write(reply) }
                    throw HandshakeError(failure: failure)
                case .wait:
                    break
                }
                guard let message = try await messages.next() else { throw HandshakeError(failure: .closedByPeer("connection closed")) }
                action = handshake.event(.received(message))
            }
            timeout.cancel()
            guard let session else { return }
            logger.info("connected to the coordinator", metadata: ["worker": "\(configuration.name)", "session": "\(session.sessionID)"])
            lastAnswer.store(Self.nowMilliseconds, ordering: .relaxed)
            // Heartbeats run on the event loop: no job can make them late.
            let interval = TimeAmount.milliseconds(Int64(session.heartbeatInterval.seconds * 1000))
            let beat = channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
                channel.writeAndFlush(WireMessage.heartbeat(heartbeat()), promise: nil)
            }
            defer { beat.cancel() }
            // The first heartbeat re-announces the jobs still running from before.
            link.connected(channel, session: session, first: .heartbeat(heartbeat()))
            if draining.load(ordering: .relaxed) {
                link.sendNow(.drain(Drain(deadline: nil, reason: "worker draining")))
            }
            while let message = try await messages.next() {
                if let problem = handle(message) {
                    try? await outbound.write(.error(ErrorMessage(problem)))
                    return
                }
                if case .goodbye = message { return }
            }
        }
    }

    struct HandshakeError: Error, CustomStringConvertible {
        var failure: HandshakeFailure
        var description: String { "handshake failed: \(failure)" }
    }

    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func heartbeat() -> Heartbeat {
        let held = jobs.held()
        let now = Self.nowMilliseconds
        heartbeats.record(sentAt: now, held)
        return Heartbeat(
            sentAt: WireTime(millisecondsSinceEpoch: now), slotsInUse: UInt16(clamping: held.count),
            jobs: held.map { Heartbeat.HeldJob(jobID: $0.job, fencingToken: $0.token, lastProgressAt: $0.lastProgress) })
    }

    /// One message of the session; returns a protocol error that ends the connection.
    private func handle(_ message: WireMessage) -> WireError? {
        switch message {
        case .leaseGrant(let grant):
            accept(grant)
        case .heartbeatAck(let ack):
            lastAnswer.store(Self.nowMilliseconds, ordering: .relaxed)
            for job in ack.cancel { jobs.stop(job, reason: .cancelled) }
            let listed = heartbeats.listed(sentAt: ack.heartbeatSentAt.millisecondsSinceEpoch)
            for job in ack.notHeld {
                guard let token = listed[job] else { continue }
                logger.notice("the coordinator says this job is no longer ours: stopping it", metadata: ["job_id": "\(job)"])
                jobs.stop(job, token: token, reason: .lost)
            }
        case .cancelJob(let cancel):
            logger.info("stopping a job", metadata: ["job_id": "\(cancel.jobID)", "reason": "\(cancel.reason)"])
            jobs.stop(cancel.jobID, token: cancel.fencingToken, reason: cancel.reason == "lease lost" ? .lost : .cancelled)
        case .drain(let drain):
            let grace = drain.deadline.map { Duration.milliseconds(max(0, $0.millisecondsSinceEpoch - Self.nowMilliseconds)) }
            drainRequest.yield(grace ?? configuration.drainGrace)
        case .chunkBegin, .chunk, .chunksMissing, .chunkEnd:
            return link.fetchReply(message)
        case .chunkAck(let ack):
            link.uploadAcknowledged(ack)
        case .goodbye(let goodbye):
            logger.info("coordinator said goodbye", metadata: ["reason": "\(goodbye.reason)"])
        case .error(let error):
            logger.notice("coordinator error \(error.code): \(error.message)")
        case .hello, .challenge, .authenticate, .welcome, .reject, .heartbeat, .leaseAccept, .leaseReject, .cancelAck,
            .jobCompleted, .jobFailed, .nodeStatus, .nodeProgress, .metrics, .artifact, .fetchChunks:
            return WireError(.unexpectedMessage, messageType: message.type.rawValue, "\(message.type) is not sent by a coordinator in a session")
        }
        return nil
    }

    // MARK: Lost leases and drain

    /// A worker whose heartbeats have gone unanswered for a whole TTL no longer holds its
    /// leases (the coordinator reclaimed them): it stops those jobs itself.
    private func watchLeases() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            let last = lastAnswer.load(ordering: .relaxed)
            if last > 0, Self.nowMilliseconds - last > Int64(configuration.leaseTTL.seconds * 1000) {
                let held = jobs.held()
                if !held.isEmpty {
                    for job in held {
                        logger.notice("no heartbeat answered for a lease TTL: stopping the job", metadata: ["job_id": "\(job.job)"])
                        jobs.stop(job.job, reason: .lost)
                    }
                }
            }
        }
    }

    private func performDrain(grace: Duration) async {
        draining.store(true, ordering: .relaxed)
        logger.info("draining", metadata: ["running": "\(jobs.count)", "grace": "\(grace)"])
        link.sendNow(.drain(Drain(deadline: WireTime(millisecondsSinceEpoch: Self.nowMilliseconds + Int64(grace.seconds * 1000)), reason: "worker draining")))
        let deadline = ContinuousClock.now + grace
        while jobs.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        // Past the grace period: stop the rest and hand them back.
        for job in jobs.held() { jobs.stop(job.job, reason: .handedBack) }
        let handBack = ContinuousClock.now + .seconds(5)
        while jobs.count > 0, ContinuousClock.now < handBack {
            try? await Task.sleep(for: .milliseconds(20))
        }
        // Let the last messages reach the coordinator before saying goodbye.
        if link.isConnected {
            // The coordinator ends the session on Goodbye: no connecting again meanwhile,
            // or the new session would be leased jobs only for them to be rejected.
            stopped.store(true, ordering: .relaxed)
            link.sendNow(.goodbye(Goodbye(reason: "worker drained")))
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
