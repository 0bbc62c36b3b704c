// TreeParallel: runs independent pieces of work (the trees of a forest, the features of a
// presort) on a fixed number of threads. Each worker takes the next index from a shared
// counter, so the result of index i never depends on which thread computed it.

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

    /// `forEach` for work that cannot fail.
    static func forEach(count: Int, threads: Int?, _ body: (Int) -> Void) {
        let workers = min(threadCount(threads), count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
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
