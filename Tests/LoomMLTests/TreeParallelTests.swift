import Dispatch
import Foundation
import Synchronization
import Testing

@testable import LoomML

@Suite struct TreeParallelTests {
    /// Four callers at once, each with loops nested inside its loop: one of them at a time
    /// gets the spinning team, the others (and every nested loop) run on Dispatch, and
    /// every index of every loop runs exactly once.
    @Test func everyIndexRunsOnceWhenLoopsOverlapAndNest() {
        let callers = 4, outer = 300, inner = 7
        let hits = Mutex([Int](repeating: 0, count: callers * outer * inner))
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<5 {
                TreeParallel.forEach(count: outer, threads: 2) { i in
                    TreeParallel.forEach(count: inner, threads: 2) { j in
                        hits.withLock { $0[(caller * outer + i) * inner + j] += 1 }
                    }
                }
            }
        }
        let counts = hits.withLock { $0 }
        #expect(counts.allSatisfy { $0 == 5 }, "counts \(Set(counts))")
    }

    /// Loops one after another, as a boosting fit posts them, with a pause long enough
    /// for the helpers to fall asleep between some of them: none is lost or run twice.
    @Test func loopsPostedAfterTheHelpersSleepStillRun() {
        for round in 0..<40 {
            let sum = Atomic<Int>(0)
            TreeParallel.forEach(count: 64, threads: nil) { i in sum.add(i, ordering: .relaxed) }
            #expect(sum.load(ordering: .relaxed) == 64 * 63 / 2)
            if round % 10 == 9 { usleep(20_000) }
        }
    }
}
