import Dispatch
import Synchronization

/// Runs a file's blocks through `work` on `concurrency` threads while the calling thread
/// receives the results in file order.
///
/// Each worker takes its turn at `read` (under a lock, because reading is sequential),
/// then works on the block it got without the lock: reading one block overlaps work on
/// the others, and no thread waits for a whole batch to finish. At most `window` blocks
/// are in flight (read but not yet delivered), which bounds memory. `read` returns nil
/// when there is nothing more to read; `deliver` returns false to stop early (the
/// workers then finish the block in hand and stop). Returns once every worker is done.
func csvPipeline<Input: Sendable, Output: Sendable>(
    concurrency: Int, window: Int,
    read: @escaping @Sendable () -> Input?,
    work: @escaping @Sendable (Input) -> Output,
    deliver: (Output) throws -> Bool
) throws {
    let shared = CSVPipelineShared<Output>(window: max(window, 1))
    let group = DispatchGroup()
    for _ in 0..<max(concurrency, 1) {
        DispatchQueue.global().async(group: group, execute: {
            while true {
                shared.space.wait()
                // Reading holds its own lock, not the results' one: a read takes a while
                // (a block of megabytes), and the caller must not wait on it to take a result.
                let claimed: (Int, Input)? = shared.reading.withLock { nextIndex in
                    if shared.stopped.load(ordering: .acquiring) || shared.blockCount.load(ordering: .acquiring) >= 0 { return nil }
                    guard let input = read() else {
                        shared.blockCount.store(nextIndex, ordering: .releasing)
                        return nil
                    }
                    nextIndex += 1
                    return (nextIndex - 1, input)
                }
                guard let (index, input) = claimed else {
                    shared.space.signal()  // let the next waiting worker see the end too
                    shared.ready.signal()
                    return
                }
                let output = work(input)
                shared.results.withLock { $0[index] = output }
                shared.ready.signal()
            }
        })
    }
    defer {
        shared.stopped.store(true, ordering: .releasing)
        for _ in 0..<max(concurrency, 1) { shared.space.signal() }
        group.wait()
    }
    var expected = 0
    while true {
        // Read the count before the results: a count of n is stored after the n-th
        // block was claimed, so a missing result below n is still being worked on.
        let blockCount = shared.blockCount.load(ordering: .acquiring)
        if let output = shared.results.withLock({ $0.removeValue(forKey: expected) }) {
            expected += 1
            shared.space.signal()
            if try !deliver(output) { return }
            continue
        }
        if blockCount == expected { return }
        shared.ready.wait()
    }
}

/// What the pipeline's threads share: the read position and the results, each under
/// its own lock; `blockCount`, -1 until `read` has returned nil; and two semaphores,
/// `space` (blocks that may still be read before the caller takes a result) and `ready`
/// (results stored, or a worker gone).
private final class CSVPipelineShared<Output: Sendable>: Sendable {
    /// The index of the next block read.
    let reading = Mutex(0)
    let results = Mutex([Int: Output]())
    let blockCount = Atomic(-1)
    let stopped = Atomic(false)
    let space: DispatchSemaphore
    let ready = DispatchSemaphore(value: 0)

    init(window: Int) { space = DispatchSemaphore(value: window) }
}
