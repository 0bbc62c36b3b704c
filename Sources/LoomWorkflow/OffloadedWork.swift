import Dispatch

/// Runs CPU-heavy work (a fit, a preprocessing pass) on a Dispatch thread rather than on
/// Swift's cooperative pool, which has one thread per core: a forest training there would
/// hold a thread that heartbeats, sockets and other tasks of the process need.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try work() })
        }
    }
}
