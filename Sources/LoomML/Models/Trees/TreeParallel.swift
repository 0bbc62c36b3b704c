// TreeParallel: runs independent pieces of work (the trees of a forest, the features of a
// presort, the feature quads of a boosting tree's node) on a fixed number of threads. Each
// worker takes the next index from a shared counter, so the result of index i never
// depends on which thread computed it. Short loops that cannot fail run on `SpinningTeam`,
// whose helpers stay awake between loops; the rest on Dispatch's threads.

import Dispatch
import Foundation
import Synchronization

enum TreeParallel {
    /// The number of threads to use: `requested`, or every active core when nil.
    static func threadCount(_ requested: Int?) -> Int {
        max(1, requested ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Calls `body(i)` for every i in `0..<count` on up to `threads` threads (every core when
    /// nil). Stops handing out indices after the first error, which it rethrows.
    static func forEach(
        count: Int,
        threads: Int?,
        _ body: (Int) throws(ModelError) -> Void
    ) throws(ModelError) {
        let workers = min(threadCount(threads), count)
        if workers <= 1 {
            for i in 0..<count { try body(i) }
            return
        }
        let next = Atomic<Int>(0)
        let failure = Mutex<ModelError?>(nil)
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    if failure.withLock({ $0 != nil }) { return }
                    let i = next.add(1, ordering: .relaxed).oldValue
                    if i >= count { return }
                    do throws(ModelError) {
                        try body(i)
                    } catch {
                        failure.withLock { if $0 == nil { $0 = error } }
                        return
                    }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// `forEach` for work that cannot fail. It runs on `SpinningTeam.shared` when that is
    /// free (a boosting fit hands out thousands of loops of a few dozen microseconds, where
    /// waking a Dispatch thread for each cost a tenth of the fit's CPU time), else on
    /// Dispatch's threads.
    static func forEach(count: Int, threads: Int?, _ body: (Int) -> Void) {
        let workers = min(threadCount(threads), count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        if SpinningTeam.shared.run(count: count, helpers: workers - 1, body) { return }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    if i >= count { return }
                    body(i)
                }
            }
        }
    }
}

/// Helper threads for short loops, kept awake between them: after a loop a helper polls
/// for the next one (yielding its core to any other runnable thread between polls) for
/// about `pollsBeforeSleep` polls, then sleeps on a semaphore until a loop is posted.
/// Indices are handed out by a shared counter, as in `TreeParallel.forEach`, so which
/// thread runs index i never changes a result. One loop at a time: a loop posted while
/// another runs (a nested loop, or a second fit) is refused and runs on Dispatch instead.
final class SpinningTeam: @unchecked Sendable {
    static let shared = SpinningTeam(helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// One posted loop. Helpers keep a reference only while `entered` counts them.
    private final class Job: @unchecked Sendable {
        let body: (Int) -> Void
        let count: Int
        let helpers: Int
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)

        init(body: @escaping (Int) -> Void, count: Int, helpers: Int) {
            self.body = body
            self.count = count
            self.helpers = helpers
        }

        /// Runs indices until none is left.
        func work() {
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= count { return }
                body(i)
                done.add(1, ordering: .releasing)
            }
        }
    }

    private struct Posted {
        var job: Job?
        /// Helpers holding `job`.
        var entered = 0
    }

    static let pollsBeforeSleep = 200

    private let helperCount: Int
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let posted = Mutex(Posted())
    private let sleepers = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)

    private init(helpers: Int) {
        helperCount = helpers
        for _ in 0..<helpers { Thread.detachNewThread { [self] in helperLoop() } }
    }

    /// Runs `body(i)` for i in 0..<count on the calling thread and up to `helpers` helpers;
    /// false (having run nothing) when the team is busy or has no helpers.
    func run(count: Int, helpers: Int, _ body: (Int) -> Void) -> Bool {
        guard helperCount > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            let job = Job(body: body, count: count, helpers: min(helpers, helperCount))
            posted.withLock { $0.job = job }
            generation.add(1, ordering: .sequentiallyConsistent)
            for _ in 0..<min(sleepers.load(ordering: .sequentiallyConsistent), job.helpers) { wake.signal() }
            job.work()
            // Close the loop to latecomers, then wait for the helpers inside it: the closure
            // must not outlive this call.
            posted.withLock { $0.job = nil }
            while job.done.load(ordering: .acquiring) < count || posted.withLock({ $0.entered }) > 0 { sched_yield() }
        }
        return true
    }

    private func helperLoop() {
        var seen = 0
        while true {
            var polls = 0
            while generation.load(ordering: .sequentiallyConsistent) == seen {
                polls += 1
                if polls < Self.pollsBeforeSleep {
                    sched_yield()
                    continue
                }
                sleepers.add(1, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                polls = 0
            }
            seen = generation.load(ordering: .sequentiallyConsistent)
            if joinPostedJob() { posted.withLock { $0.entered -= 1 } }
        }
    }

    /// Works on the posted loop, if it is open and short of helpers; true if it did (and
    /// so counted itself in `entered`). Its reference to the job ends with this call,
    /// before the caller counts itself out.
    private func joinPostedJob() -> Bool {
        let job: Job? = posted.withLock { posted in
            guard let job = posted.job, posted.entered < job.helpers else { return nil }
            posted.entered += 1
            return job
        }
        guard let job else { return false }
        job.work()
        return true
    }
}
