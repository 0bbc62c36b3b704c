import LoomWire
import Synchronization

/// Why a job was stopped before it finished, which decides what the worker says after.
enum StopReason: Sendable, Equatable {
    /// CancelJob or a heartbeat's cancel list: acknowledge with CancelAck.
    case cancelled
    /// The lease is gone (reclaimed, timed out, refused write): say nothing more.
    case lost
    /// Drained past the grace period: give the job back (LeaseReject, draining).
    case handedBack
}

/// The jobs this worker runs: their fencing tokens, when they last made progress, and
/// whether they were told to stop.
final class JobTable: Sendable {
    struct Entry: Sendable {
        var token: UInt64
        var lastProgress: WireTime
        var stop: StopReason?
    }

    private let entries = Mutex<[WireUUID: Entry]>([:])

    var count: Int { entries.withLock { $0.count } }

    /// False when `limit` jobs already run or the job is already here.
    func start(_ job: WireUUID, token: UInt64, limit: Int) -> Bool {
        entries.withLock { entries in
            guard entries.count < limit, entries[job] == nil else { return false }
            entries[job] = Entry(token: token, lastProgress: WireTime(millisecondsSinceEpoch: Worker.nowMilliseconds))
            return true
        }
    }

    func held() -> [(job: WireUUID, token: UInt64, lastProgress: WireTime)] {
        entries.withLock { entries in entries.map { ($0.key, $0.value.token, $0.value.lastProgress) } }
    }

    func progressed(_ job: WireUUID) {
        entries.withLock { $0[job]?.lastProgress = WireTime(millisecondsSinceEpoch: Worker.nowMilliseconds) }
    }

    /// Marks a job to stop; its runner sees it within a poll (10 ms for bench jobs).
    func stop(_ job: WireUUID, token: UInt64? = nil, reason: StopReason) {
        entries.withLock { entries in
            guard var entry = entries[job], token == nil || entry.token == token, entry.stop == nil else { return }
            entry.stop = reason
            entries[job] = entry
        }
    }

    func stopReason(_ job: WireUUID) -> StopReason? { entries.withLock { $0[job]?.stop } }

    /// The job ended; returns why it was stopped, if it was.
    func finish(_ job: WireUUID) -> StopReason? {
        entries.withLock { $0.removeValue(forKey: job)?.stop }
    }
}

/// The jobs (and their tokens) each recent heartbeat listed. A HeartbeatAck names the jobs
/// the worker no longer holds by id only; the job may have been leased to this worker again
/// since that heartbeat went out, and the new lease must not be stopped for the old one's
/// sake. So an ack stops a job only under the token its heartbeat listed.
final class HeartbeatLog: Sendable {
    private let entries = Mutex<[(sentAt: Int64, jobs: [WireUUID: UInt64])]>([])
    private let keep = 16

    func record(sentAt: Int64, _ jobs: [(job: WireUUID, token: UInt64, lastProgress: WireTime)]) {
        let listed = Dictionary(jobs.map { ($0.job, $0.token) }) { first, _ in first }
        entries.withLock { entries in
            entries.append((sentAt, listed))
            if entries.count > keep { entries.removeFirst(entries.count - keep) }
        }
    }

    /// The jobs the heartbeat sent at `sentAt` listed; empty when it is too old to know.
    func listed(sentAt: Int64) -> [WireUUID: UInt64] {
        entries.withLock { entries in entries.last { $0.sentAt == sentAt }?.jobs ?? [:] }
    }
}
