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
                let claimed: (Int, Input)? = shared.state.withLock { state in
                    if state.stopped || state.exhausted { return nil }
                    guard let input = read() else {
                        state.exhausted = true
                        return nil
                    }
                    state.nextIndex += 1
                    return (state.nextIndex - 1, input)
                }
                guard let (index, input) = claimed else {
                    shared.space.signal()  // let the next waiting worker see the end too
                    shared.ready.signal()
                    return
                }
                let output = work(input)
                shared.state.withLock { $0.results[index] = output }
                shared.ready.signal()
            }
        })
    }
    defer {
        shared.state.withLock { $0.stopped = true }
        for _ in 0..<max(concurrency, 1) { shared.space.signal() }
        group.wait()
    }
    var expected = 0
    while true {
        let (output, finished) = shared.state.withLock { state -> (Output?, Bool) in
            let output = state.results.removeValue(forKey: expected)
            return (output, output == nil && state.exhausted && state.nextIndex == expected)
        }
        if let output {
            expected += 1
            shared.space.signal()
            if try !deliver(output) { return }
            continue
        }
        if finished { return }
        shared.ready.wait()
    }
}

/// What the pipeline's threads share: the results so far and two semaphores, `space`
/// (blocks that may still be read before the caller takes a result) and `ready`
/// (results stored, or a worker gone).
private final class CSVPipelineShared<Output: Sendable>: Sendable {
    struct State {
        var nextIndex = 0
        var exhausted = false
        var stopped = false
        var results: [Int: Output] = [:]
    }

    let state = Mutex(State())
    let space: DispatchSemaphore
    let ready = DispatchSemaphore(value: 0)

    init(window: Int) { space = DispatchSemaphore(value: window) }
}
