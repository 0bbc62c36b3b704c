import Foundation
import Synchronization

/// Threads of its own for CPU-heavy job work. Jobs run with this as their task executor
/// preference, so a training model never occupies the threads that read the socket or
/// answer heartbeats.
final class CPUExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(threads: Int) {
        let count = threads > 0 ? threads : max(1, ProcessInfo.processInfo.activeProcessorCount)
        for index in 0..<count {
            let thread = Thread { [self] in work() }
            thread.name = "loom-cpu-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
