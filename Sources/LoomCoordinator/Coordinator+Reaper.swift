import Synchronization
import Logging
import Foundation
import LoomStore
import LoomWire

extension Coordinator {
    /// The reaper's whole logic, callable from tests: reclaims expired leases (requeued
    /// with backoff, or failed after max_tries), fails jobs past their timeout and tells
    /// their workers to stop, fails the datasets of ingestions that ended for good, and
    /// queues pending jobs that are due.
    @discardableResult
    public func reapOnce() async throws -> JobQueue.ReclaimReport {
        let report = try await queue.reclaimOnce()
        for job in report.timedOut {
            if let (handle, token) = sessions.holder(of: job.wire) {
                handle.state.withLock { $0.released(job.wire) }
                handle.send(.cancelJob(CancelJob(jobID: job.wire, fencingToken: token, reason: "job timed out")))
            }
        }
        let ended = report.failed + report.cancelled + report.timedOut
        if !ended.isEmpty { try await queue.failIngestionDatasets(jobs: ended) }
        try await queue.promoteDue()
        if !report.requeued.isEmpty { wakeDispatcher() }
        return report
    }

    func runReaper() async {
        while !isStopping {
            do {
                try await reapOnce()
            } catch {
                logger.error("reaper failed: \(error)")
            }
            try? await Task.sleep(for: configuration.reapInterval)
        }
    }

    /// NOTIFY: a queued job wakes the dispatcher, a cancel request reaches the worker that
    /// runs the job at once, an operator's drain or undrain reaches the worker's session.
    /// (Events reach WebSocket clients through the HTTP layer's own hub, which listens on
    /// `loom_events`, fed by a trigger on every stored event of a followed job.)
    func runListener(_ listener: PostgresListener) async {
        for await event in listener.events {
            if isStopping { break }
            switch event {
            case .ready, .resync:
                // Notices sent while we were not listening are gone: read the state instead.
                await syncWorkerStates()
                wakeDispatcher()
            case .notification(let channel, let payload):
                switch channel {
                case "loom_queue":
                    wakeDispatcher()
                case "loom_cancel":
                    guard let job = UUID(uuidString: payload), let (handle, token) = sessions.holder(of: job.wire) else { continue }
                    handle.send(.cancelJob(CancelJob(jobID: job.wire, fencingToken: token, reason: "cancelled")))
                case "loom_workers":
                    guard let (worker, state) = Self.workerNotice(payload) else {
                        logger.notice("ignored a malformed loom_workers notice", metadata: ["payload": "\(payload)"])
                        continue
                    }
                    apply(state, to: worker)
                default:
                    break
                }
            }
        }
    }
}
