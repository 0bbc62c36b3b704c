import Dispatch
import Synchronization

/// Runs `body` for 0..<count on up to `concurrency` threads; results in index order.
func csvParallelMap<T: Sendable>(count: Int, concurrency: Int, _ body: @Sendable (Int) -> T) -> [T] {
    if count <= 1 || concurrency <= 1 { return (0..<count).map(body) }
    let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
    slots.initialize(repeating: nil)
    defer {
        slots.deinitialize()
        slots.deallocate()
    }
    // Each index is written by exactly one thread and read only after all have finished.
    nonisolated(unsafe) let shared = slots
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: min(concurrency, count)) { _ in
        while true {
            let index = next.add(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            shared[index] = body(index)
        }
    }
    return slots.map { $0! }
}
