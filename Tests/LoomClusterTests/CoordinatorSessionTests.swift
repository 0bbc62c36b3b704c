import LoomCoordinator
import NIOCore
import Testing

@testable import LoomWire

/// The coordinator's per-worker state machine without I/O: slots are counted from what it
/// is told, so these are the cases where a count could drift and stall the dispatcher.
@Suite("coordinator session state machine")
struct CoordinatorSessionTests {
    let worker = AuthenticatedWorker(
        name: "w", instanceID: .random(), slots: 2, labels: [], buildVersion: "test", protocolVersion: 1, sessionID: .random())
    let now = WireTime(millisecondsSinceEpoch: 0)

    func heartbeat(_ jobs: [(WireUUID, UInt64)]) -> WireMessage {
        .heartbeat(Heartbeat(sentAt: now, slotsInUse: UInt16(jobs.count), jobs: jobs.map { .init(jobID: $0.0, fencingToken: $0.1, lastProgressAt: now) }))
    }

    func accept(_ job: WireUUID, _ token: UInt64) -> WireMessage {
        .leaseAccept(LeaseAccept(jobID: job, fencingToken: token, startedAt: now))
    }

    func completed(_ job: WireUUID, _ token: UInt64) -> WireMessage {
        .jobCompleted(JobCompleted(jobID: job, fencingToken: token, completedAt: now, result: ByteBuffer()))
    }

    @Test("a job the worker dropped without a word frees its slot at the next heartbeat")
    func silentDropFreesSlot() {
        var session = CoordinatorSession(worker: worker, chunkWindow: 8)
        let (a, b) = (WireUUID.random(), WireUUID.random())
        session.granted([(a, 1), (b, 2)])
        _ = session.received(accept(a, 1))
        _ = session.received(accept(b, 2))
        #expect(session.freeSlots == 0)
        // The worker stopped `a` (its heartbeats went unanswered for a TTL) and says nothing.
        _ = session.received(heartbeat([(b, 2)]))
        #expect(session.freeSlots == 1)
        #expect(session.held[a] == nil && session.held[b] == 2)
        // A late answer to an older heartbeat that still listed `a` does not take the slot again.
        session.heartbeatAnswered(renewed: [(a, 1), (b, 2)], notHeld: [])
        #expect(session.freeSlots == 1)
    }

    @Test("a grant the worker has not accepted yet is not dropped by a heartbeat that crossed it")
    func unacceptedGrantSurvivesHeartbeat() {
        var session = CoordinatorSession(worker: worker, chunkWindow: 8)
        let job = WireUUID.random()
        session.granted([(job, 7)])
        _ = session.received(heartbeat([]))
        #expect(session.held[job] == 7)
        _ = session.received(accept(job, 7))
        _ = session.received(heartbeat([(job, 7)]))
        #expect(session.held[job] == 7)
    }

    @Test("a finished job's lease is renewed with heartbeats until its last write is committed")
    func committingIsRenewed() {
        var session = CoordinatorSession(worker: worker, chunkWindow: 8)
        let job = WireUUID.random()
        session.granted([(job, 3)])
        _ = session.received(accept(job, 3))
        _ = session.received(completed(job, 3))
        #expect(session.freeSlots == 2)
        guard case .heartbeat(_, let committing) = session.received(heartbeat([])) else {
            Issue.record("a heartbeat must be answered")
            return
        }
        #expect(committing == [job])
        // A commit under an older token changes nothing; the right one ends the renewals.
        session.committed(job, token: 2)
        #expect(session.committing[job] == 3)
        session.committed(job, token: 3)
        guard case .heartbeat(_, let after) = session.received(heartbeat([])) else {
            Issue.record("a heartbeat must be answered")
            return
        }
        #expect(after.isEmpty)
    }

    @Test("an operator's drain stops leases until the undrain; the worker's own drain is for good")
    func operatorDrain() {
        var session = CoordinatorSession(worker: worker, chunkWindow: 8)
        session.pause()
        #expect(session.freeSlots == 0)
        session.resume()
        #expect(session.freeSlots == 2)
        _ = session.received(.drain(Drain(deadline: nil, reason: "leaving")))
        session.resume()
        #expect(session.freeSlots == 0)
    }

    @Test("a worker that says Goodbye hands back, for release, exactly the grants it never answered")
    func goodbyeReleasesUnacceptedGrants() {
        let worker = AuthenticatedWorker(
            name: "w", instanceID: .random(), slots: 4, labels: [], buildVersion: "test", protocolVersion: 1, sessionID: .random())
        var session = CoordinatorSession(worker: worker, chunkWindow: 8)
        let (accepted, rejected, inFlight, reannounced) = (WireUUID.random(), WireUUID.random(), WireUUID.random(), WireUUID.random())
        session.granted([(accepted, 1), (rejected, 2), (inFlight, 3)])
        session.heartbeatAnswered(renewed: [(reannounced, 4)], notHeld: [])
        _ = session.received(accept(accepted, 1))
        _ = session.received(.drain(Drain(deadline: nil, reason: "SIGTERM")))
        _ = session.received(.leaseReject(LeaseReject(jobID: rejected, fencingToken: 2, reason: .draining, message: "draining")))
        guard case .close = session.received(.goodbye(Goodbye(reason: "worker drained"))) else {
            Issue.record("Goodbye must end the session")
            return
        }
        let released = session.endedByWorker()
        #expect(released.map(\.job) == [inFlight] && released.map(\.token) == [3])
        #expect(session.phase == .closed && session.held.isEmpty)
        // Said once: a second end (the connection closing after the Goodbye) releases nothing more.
        #expect(session.endedByWorker().isEmpty)
    }

    @Test("a session the coordinator closed (replaced, silent) releases nothing: the worker may still hold its grants")
    func closedByCoordinatorReleasesNothing() {
        var session = CoordinatorSession(worker: worker, chunkWindow: 8)
        session.granted([(WireUUID.random(), 1)])
        session.close()
        #expect(session.endedByWorker().isEmpty)
    }
}
