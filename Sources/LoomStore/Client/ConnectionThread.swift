import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own that runs closures one at a time, in order.
///
/// libpq blocks the calling thread for every round trip. Running it on Swift's cooperative
/// pool would starve every other task on this 2-core machine, so each pooled connection
/// lives on a `ConnectionThread`, and async callers suspend until their closure has run.
final class ConnectionThread: Sendable {
    private struct State {
        var work: [@Sendable () -> Void] = []
        var stopping = false
    }

    private let state = Mutex(State())
    private let signal = ConditionSignal()
    private let threadID = Mutex<pthread_t?>(nil)

    /// True when called on this thread.
    var isCurrent: Bool {
        threadID.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    init(name: String) {
        let thread = Thread { [self] in
            Thread.current.name = name
            runLoop()
        }
        thread.start()
    }

    /// Runs `body` on this thread and returns its result to the suspended caller.
    func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = submit {
                continuation.resume(with: Swift.Result { try body() })
            }
            if !accepted {
                continuation.resume(throwing: PostgresError(kind: .usage, message: "the connection's thread has stopped"))
            }
        }
    }

    /// Queues `work`; false (and `work` dropped) once the thread is stopping.
    @discardableResult
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state in
            guard !state.stopping else { return false }
            state.work.append(work)
            return true
        }
        if accepted { signal.wake() }
        return accepted
    }

    /// Lets the thread finish the work it has, then end.
    func stop() {
        state.withLock { $0.stopping = true }
        signal.wake()
    }

    private func runLoop() {
        threadID.withLock { $0 = pthread_self() }
        while true {
            let (batch, stopping) = state.withLock { state in
                let batch = state.work
                state.work.removeAll(keepingCapacity: true)
                return (batch, state.stopping)
            }
            for work in batch { work() }
            if batch.isEmpty {
                if stopping { return }
                signal.wait()
            }
        }
    }
}

/// A pthread condition variable with its mutex: the sleeping half of `ConnectionThread`.
private final class ConditionSignal: @unchecked Sendable {
    // Both are only touched through pthread calls, which synchronise themselves.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func wake() {
        pthread_mutex_lock(mutex)
        pending = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Sleeps until woken; returns at once when a wake-up came since the last wait, so a
    /// `wake()` between the caller's last look at its queue and this call is never lost.
    func wait() {
        pthread_mutex_lock(mutex)
        while !pending {
            pthread_cond_wait(condition, mutex)
        }
        pending = false
        pthread_mutex_unlock(mutex)
    }
}
