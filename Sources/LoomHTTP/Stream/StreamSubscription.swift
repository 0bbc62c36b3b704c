import Foundation
import Synchronization

/// One client's place in a job's fan-out: a bounded buffer of messages the hub has handed
/// over and the client's writer has not yet taken. The hub never waits for it: when the
/// buffer is full the subscription ends with `.overflow` and the client is dropped.
final class StreamSubscription: Sendable {
    enum End: Sendable, Equatable {
        /// The client fell `clientBuffer` messages behind.
        case overflow
        /// The hub stopped (the server is shutting down).
        case shutdown
        /// The client's stream is over (it left, or was sent its final message).
        case closed
    }

    let id: UInt64
    let jobID: UUID
    /// The last seq the hub had fanned out for this job when the subscription was made; nil
    /// while the job's baseline is not known yet (`JobEventHub.baseline(for:)`). Everything
    /// after it reaches this subscription; everything up to it was stored before.
    let coveredAfter: Int64?
    private let limit: Int
    private let state = Mutex(State())

    private struct State {
        var buffer: [StreamMessage] = []
        var head = 0
        var waiter: CheckedContinuation<StreamMessage?, Never>?
        var end: End?
        var endWaiters: [CheckedContinuation<End, Never>] = []
        var count: Int { buffer.count - head }
    }

    init(id: UInt64, jobID: UUID, coveredAfter: Int64?, limit: Int) {
        self.id = id
        self.jobID = jobID
        self.coveredAfter = coveredAfter
        self.limit = limit
    }

    /// Hands messages over; false (and the subscription ends with `.overflow`) when the
    /// client is `limit` messages behind.
    func offer(_ messages: [StreamMessage]) -> Bool {
        guard !messages.isEmpty else { return true }
        let fits = state.withLock { state -> Bool in
            guard state.end == nil else { return true }
            // Too slow: it has not taken the last `limit` messages yet. (One read of the
            // store, at most `limit` messages, is accepted whole, so a burst does not drop a
            // client that keeps up; the buffer holds at most twice `limit`.)
            guard state.count < limit else { return false }
            var messages = messages[...]
            if let waiter = state.waiter {
                state.waiter = nil
                waiter.resume(returning: messages.removeFirst())
            }
            state.buffer.append(contentsOf: messages)
            return true
        }
        if !fits { end(.overflow) }
        return fits
    }

    /// The next message, or nil once the subscription has ended.
    func next() async -> StreamMessage? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                state.withLock { state in
                    if state.end != nil {
                        continuation.resume(returning: nil)
                    } else if state.head < state.buffer.count {
                        let message = state.buffer[state.head]
                        state.head += 1
                        if state.head >= 64 && state.head * 2 >= state.buffer.count {
                            state.buffer.removeFirst(state.head)
                            state.head = 0
                        }
                        continuation.resume(returning: message)
                    } else {
                        state.waiter = continuation
                    }
                }
            }
        } onCancel: {
            self.end(.closed)
        }
    }

    /// Waits until the subscription ends, and says why.
    func ended() async -> End {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                state.withLock { state in
                    if let end = state.end {
                        continuation.resume(returning: end)
                    } else {
                        state.endWaiters.append(continuation)
                    }
                }
            }
        } onCancel: {
            self.end(.closed)
        }
    }

    var endReason: End? { state.withLock { $0.end } }

    /// Ends the subscription (the first reason given stays) and wakes whoever waits on it.
    func end(_ reason: End) {
        let (waiter, endWaiters, final) = state.withLock { state in
            if state.end == nil { state.end = reason }
            defer {
                state.waiter = nil
                state.endWaiters = []
                state.buffer = []
                state.head = 0
            }
            return (state.waiter, state.endWaiters, state.end!)
        }
        waiter?.resume(returning: nil)
        for endWaiter in endWaiters { endWaiter.resume(returning: final) }
    }
}
