import Foundation
import HummingbirdWebSocket
import Logging
import LoomStore
import NIOWebSocket

/// One client's stream of one job: its history after `after`, then live events, each seq
/// once and in order, until the job's final message; then a normal close.
///
/// Three tasks per connection: the writer (history, then the subscription), a reader (it
/// answers pings and sees the client leave) and a watch on the subscription (a writer
/// stuck behind a client that stopped reading cannot see the drop itself).
struct StreamSession {
    let hub: JobEventHub
    let jobID: UUID
    let after: Int64
    let logger: Logger

    private enum Outcome: Sendable {
        /// The job's final message was sent.
        case finished
        /// The client closed or the connection broke.
        case clientLeft
        case ended(StreamSubscription.End)
        case timedOut
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let subscription: StreamSubscription
        do {
            subscription = try hub.subscribe(to: jobID)
        } catch {
            try? await outbound.close(.unknown(1013), reason: "too many stream clients; try again later")
            return
        }
        defer { hub.unsubscribe(subscription) }
        let closeTimeout = hub.configuration.closeTimeout
        let outcome = await withTaskGroup(of: Outcome.self) { group -> Outcome in
            group.addTask {
                do { for try await _ in inbound {} } catch {}
                return .clientLeft
            }
            group.addTask { await self.write(subscription, to: outbound) }
            group.addTask { .ended(await subscription.ended()) }
            let first = await group.next() ?? .clientLeft
            switch first {
            case .finished:
                // The close handshake: the reader ends when the client answers.
                subscription.end(.closed)
                try? await outbound.close(.normalClosure, reason: nil)
                group.addTask {
                    try? await Task.sleep(for: closeTimeout)
                    return .timedOut
                }
                while let next = await group.next() {
                    if case .clientLeft = next { break }
                    if case .timedOut = next { break }
                }
            case .clientLeft, .ended, .timedOut:
                break
            }
            group.cancelAll()
            return first
        }
        switch outcome {
        case .ended(.overflow):
            // The writer was stuck behind the client; this close may not get through either,
            // and the server's close timeout ends the connection then.
            await Self.bounded(closeTimeout) {
                try? await outbound.close(
                    .policyViolation,
                    reason: "too slow: fell \(hub.configuration.clientBuffer) messages behind; resume with ?after=SEQ")
            }
        case .ended(.shutdown):
            await Self.bounded(closeTimeout) { try? await outbound.close(.goingAway, reason: "the server is shutting down") }
        case .finished, .clientLeft, .ended(.closed), .timedOut:
            break
        }
    }

    /// History after `after`, then live messages, skipping any seq already sent.
    private func write(_ subscription: StreamSubscription, to outbound: WebSocketOutboundWriter) async -> Outcome {
        var last = after
        /// Sends what is new; true once the final message went out.
        func send(_ messages: [StreamMessage]) async throws -> Bool {
            for message in messages where message.seq > last {
                try await outbound.write(.custom(message.frame))
                hub.metrics.add(.sent)
                last = message.seq
                if message.isFinal { return true }
            }
            return false
        }
        func history() async throws -> [StreamMessage] {
            try await hub.queue.events(of: jobID, after: last).map { StreamMessage(event: $0, jobID: jobID) }
        }
        do {
            if try await send(try await history()) { return .finished }
            // Made before the job's baseline was known: live messages start after the
            // baseline, so the history must reach it.
            if subscription.coveredAfter == nil {
                guard let baseline = await hub.baseline(for: subscription) else {
                    return .ended(subscription.endReason ?? .closed)
                }
                if baseline > last, try await send(try await history()) { return .finished }
            }
            // A finished job whose final event was pruned would otherwise wait forever.
            guard let job = try await hub.queue.job(jobID) else { return .finished }
            if job.status.isFinished {
                if try await send(try await history()) { return .finished }
                _ = try await send([StreamMessage(finished: job, after: last + 1)])
                return .finished
            }
            while let message = await subscription.next() {
                if try await send([message]) { return .finished }
            }
            return .ended(subscription.endReason ?? .closed)
        } catch {
            if Task.isCancelled { return .ended(subscription.endReason ?? .closed) }
            logger.debug("stream: write failed", metadata: ["job_id": "\(jobID)", "error": "\(error)"])
            return .clientLeft
        }
    }

    /// Runs `body`, giving up (cancelling it) after `limit`.
    private static func bounded(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await body() }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }
}
