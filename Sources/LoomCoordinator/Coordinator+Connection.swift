import Logging
import Foundation
import LoomStore
import LoomTLS
import LoomWire
import NIOCore
import Synchronization

extension Coordinator {
    /// One worker connection: the handshake, then the session until either side ends it.
    /// Errors end this connection only.
    func serve(_ connection: NIOAsyncChannel<WireMessage, WireMessage>) async {
        let peer = connection.channel.remoteAddress?.description ?? "unknown"
        do {
            try await connection.executeThenClose { inbound, outbound in
                var messages = inbound.makeAsyncIterator()
                guard let (worker, registered) = try await handshake(&messages, outbound, connection.channel, peer: peer) else { return }
                let handle = SessionHandle(worker: worker, channel: connection.channel, chunkWindow: Int(configuration.chunkWindow))
                if let older = sessions.add(handle) {
                    // The same process connected again; its older connection is most likely
                    // half-open. The newer one wins.
                    logger.info("worker reconnected; closing its older session", metadata: ["worker": "\(worker.name)"])
                    older.close()
                }
                logger.info(
                    "worker joined",
                    metadata: ["worker": "\(worker.name)", "instance": "\(worker.instanceID)", "slots": "\(worker.slots)", "peer": "\(peer)"])
                // An operator's drain outlives a reconnection of the same process.
                if registered.state == .draining { apply(.draining, to: UUID(wire: worker.instanceID)) }
                wakeDispatcher()
                defer {
                    handle.close()
                    sessions.remove(handle)
                    logger.info("worker left", metadata: ["worker": "\(worker.name)", "instance": "\(worker.instanceID)"])
                    // Gone, unless it connected again meanwhile (the statement checks).
                    let (workers, logger) = (self.workers, self.logger)
                    Task {
                        do {
                            try await workers.markGone(UUID(wire: worker.instanceID), connectedAt: registered.connectedAt)
                        } catch {
                            logger.error("marking a worker gone failed: \(error)")
                        }
                    }
                }
                try await session(handle, &messages)
            }
        } catch {
            logger.notice("connection closed on error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    /// Runs the handshake: the worker and its stored state (an operator may have drained
    /// this process before it connected again); nil when it failed (the connection is then closed).
    private func handshake(
        _ messages: inout NIOAsyncChannelInboundStream<WireMessage>.AsyncIterator,
        _ outbound: NIOAsyncChannelOutboundWriter<WireMessage>,
        _ channel: any Channel,
        peer: String
    ) async throws -> (AuthenticatedWorker, RegisteredWorker)? {
        var generator = SystemRandomNumberGenerator()
        let handshakeConfiguration = CoordinatorHandshake.Configuration(
            secret: configuration.secret, heartbeatInterval: configuration.heartbeatInterval,
            maxFrameSize: configuration.maxFrameSize, chunkWindow: configuration.chunkWindow,
            timeout: configuration.handshakeTimeout, maxSlots: configuration.maxSlotsPerWorker)
        var machine = CoordinatorHandshake(
            configuration: handshakeConfiguration, nonce: .random(using: &generator), sessionID: .random(), now: .now)
        // The deadline: a watchdog closes a connection whose handshake is not done in time.
        let finished = AtomicFlag()
        let timeout = configuration.handshakeTimeout
        let watchdog = Task {
            try? await Task.sleep(for: timeout)
            if !finished.value.load(ordering: .relaxed) {
                try? await outbound.write(.reject(Reject(reason: .timeout, message: "handshake not finished in \(timeout)")))
                channel.close(promise: nil)
            }
        }
        defer {
            finished.value.store(true, ordering: .relaxed)
            watchdog.cancel()
        }
        while let message = try await messages.next() {
            switch machine.event(.received(message)) {
            case .send(let reply):
                try await outbound.write(reply)
            case .establish(let welcome, let worker):
                if isStopping {
                    if case .close(_, let reject?) = machine.event(.refuse(.draining, "coordinator is shutting down")) {
                        try await outbound.write(reject)
                    }
                    return nil
                }
                finished.value.store(true, ordering: .relaxed)
                let identity = await CertificateIdentity.peer(of: channel)
                if let identity { logger.info("worker certificate verified", metadata: ["peer": "\(peer)", "identity": "\(identity)"]) }
                var registration = WorkerRegistration(
                    instanceID: UUID(wire: worker.instanceID), name: worker.name,
                    host: channel.remoteAddress?.ipAddress ?? peer, capacity: Int32(worker.slots),
                    labels: (try? JSONB(encoding: Dictionary(worker.labels.map { ($0.key, $0.value) }) { _, last in last }))
                        ?? JSONB(json: "{}"))
                registration.certificateIdentity = identity
                let registered = try await workers.register(registration)
                try await outbound.write(welcome)
                return (worker, registered)
            case .close(let failure, let reply):
                if let reply { try await outbound.write(reply) }
                logger.notice("handshake refused", metadata: ["peer": "\(peer)", "reason": "\(failure)"])
                return nil
            case .wait:
                continue
            }
        }
        return nil
    }

    /// The session loop: every message through the state machine, its action carried out.
    private func session(
        _ handle: SessionHandle, _ messages: inout NIOAsyncChannelInboundStream<WireMessage>.AsyncIterator
    ) async throws {
        let silence = configuration.heartbeatInterval * configuration.silentIntervals
        let lastHeard = AtomicClock(Self.nowMilliseconds)
        try await withThrowingDiscardingTaskGroup { group in
            // A worker silent for several intervals is gone (a cut cable sends no FIN).
            group.addTask {
                while !handle.isClosed {
                    try? await Task.sleep(for: silence / 2)
                    if Self.nowMilliseconds - lastHeard.value.load(ordering: .relaxed) > Int64(silence.seconds * 1000) {
                        self.logger.notice("worker silent; closing", metadata: ["worker": "\(handle.worker.name)"])
                        handle.close()
                    }
                }
            }
            defer {
                handle.close()
                group.cancelAll()
            }
            while let message = try await messages.next() {
                lastHeard.value.store(Self.nowMilliseconds, ordering: .relaxed)
                let action = handle.state.withLock { $0.received(message) }
                switch action {
                case .heartbeat(let heartbeat, let committing):
                    group.addTask { await self.answer(heartbeat, renewing: committing, handle) }
                case .write(let write):
                    persist(write, handle)
                case .serveFetch(let fetch):
                    group.addTask { await self.serveFetch(fetch, handle) }
                case .fetchAcknowledged(let ack):
                    if !handle.acknowledge(ack) {
                        fail(handle, WireError(.flowControl, messageType: MessageType.chunkAck.rawValue, "ack of stream \(ack.streamID) does not match what was sent"))
                        return
                    }
                case .storeChunk(let stream, let chunk):
                    if let error = storeChunk(stream, chunk, handle) {
                        fail(handle, error)
                        return
                    }
                case .fail(let error):
                    fail(handle, error)
                    return
                case .close(let reason):
                    logger.info("worker closed the session", metadata: ["worker": "\(handle.worker.name)", "reason": "\(reason)"])
                    releaseUnaccepted(handle)
                    return
                case .none:
                    break
                }
            }
            // The worker closed its side (a session this side closed is already closed).
            releaseUnaccepted(handle)
        }
    }

    /// The worker ended the session: the grants it never accepted go back to the queue at
    /// once, without using up a try.
    private func releaseUnaccepted(_ handle: SessionHandle) {
        let unaccepted = handle.state.withLock { $0.endedByWorker() }
        guard !unaccepted.isEmpty else { return }
        logger.info("released the grants the worker never accepted", metadata: ["worker": "\(handle.worker.name)", "jobs": "\(unaccepted.count)"])
        release(unaccepted.map { (UUID(wire: $0.job), Int64(bitPattern: $0.token)) }, reason: "worker \(handle.worker.name) left before accepting the lease")
    }

    private func fail(_ handle: SessionHandle, _ error: WireError) {
        logger.notice("protocol error; closing", metadata: ["worker": "\(handle.worker.name)", "error": "\(error)"])
        handle.send(.error(ErrorMessage(error)))
    }

    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Renews the leases in one statement and answers with what to cancel and what is lost.
    /// The jobs the worker finished whose last write is still queued are renewed too (they
    /// are not the worker's to answer for). Heartbeats have connections of their own, so
    /// they never wait behind the writer or the dispatcher.
    private func answer(_ heartbeat: Heartbeat, renewing committing: [WireUUID], _ handle: SessionHandle) async {
        let listed = heartbeat.jobs.map { UUID(wire: $0.jobID) }
        do {
            let reply = try await leases.heartbeat(worker: handle.instanceID, holding: listed + committing.map { UUID(wire: $0) })
            let renewed = heartbeat.jobs.filter { !reply.lost.contains(UUID(wire: $0.jobID)) }.map { ($0.jobID, $0.fencingToken) }
            let notHeld = listed.filter { reply.lost.contains($0) }.map(\.wire)
            let cancel = listed.filter { reply.cancel.contains($0) }.map(\.wire)
            handle.state.withLock { $0.heartbeatAnswered(renewed: renewed, notHeld: notHeld) }
            handle.send(
                .heartbeatAck(HeartbeatAck(heartbeatSentAt: heartbeat.sentAt, cancel: cancel, notHeld: notHeld)))
            for job in notHeld {
                logger.notice("the worker no longer holds this job: told it to stop", metadata: ["worker": "\(handle.worker.name)", "job_id": "\(job)"])
            }
            if !notHeld.isEmpty { wakeDispatcher() }
        } catch {
            logger.error("heartbeat of \(handle.worker.name) failed: \(error)")
        }
    }

    /// A write was refused because the worker no longer holds the job: tell it to stop.
    func stopZombie(_ handle: SessionHandle, job: WireUUID, token: UInt64) {
        logger.notice("refused a write under a lost lease", metadata: ["worker": "\(handle.worker.name)", "job_id": "\(job)"])
        handle.send(.cancelJob(CancelJob(jobID: job, fencingToken: token, reason: "lease lost")))
    }
}

/// Atomics that closures can share (an Atomic itself cannot be captured).
final class AtomicFlag: Sendable {
    let value = Atomic<Bool>(false)
}

final class AtomicClock: Sendable {
    let value: Atomic<Int64>
    init(_ start: Int64) { value = Atomic(start) }
}
