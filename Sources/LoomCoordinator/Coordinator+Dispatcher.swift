import Synchronization
import Logging
import Foundation
import LoomStore
import LoomWire
import NIOCore

extension Coordinator {
    /// Pushes leases until no worker has a free slot or no job is due. Returns the number
    /// of leases pushed. One statement leases for every worker with room, up to
    /// `leaseBatchSize` jobs each; the workers' slots are interleaved, so a queue shorter
    /// than the free slots is shared among them.
    @discardableResult
    public func dispatchOnce() async throws -> Int {
        var total = 0
        while !isStopping {
            // A busy worker is topped up in batches (a quarter of its slots at least): one
            // statement per freed slot would make the lease statement the bottleneck.
            // Idle workers have most slots free, so pickup latency does not suffer.
            let candidates = sessions.all.map { ($0, min($0.freeSlots, configuration.leaseBatchSize)) }
                .filter { $0.1 > 0 && $0.1 >= min(configuration.leaseBatchSize, max(1, $0.0.worker.slots.intValue / 4)) }
            if candidates.isEmpty { return total }
            let slots = Self.interleavedSlots(candidates.map { ($0.0.instanceID, $0.1) })
            let leases = try await queue.leaseForCluster(slots: slots, perUserCap: configuration.perUserConcurrency)
            let byOwner = Dictionary(grouping: leases, by: \.owner)
            await withTaskGroup(of: Void.self) { group in
                for (handle, _) in candidates {
                    guard let granted = byOwner[handle.instanceID] else { continue }
                    group.addTask { await self.grant(granted, to: handle) }
                }
            }
            total += leases.count
            // Fewer leases than slots: nothing more is due now.
            if leases.count < slots.count { return total }
        }
        return total
    }

    /// Each worker's id once per slot it offers, round robin: [a, b, c, a, b, a] for 3, 2
    /// and 1 free slots.
    static func interleavedSlots(_ offers: [(worker: UUID, slots: Int)]) -> [UUID] {
        var slots: [UUID] = []
        slots.reserveCapacity(offers.reduce(0) { $0 + $1.slots })
        for round in 0..<(offers.map(\.slots).max() ?? 0) {
            for offer in offers where round < offer.slots { slots.append(offer.worker) }
        }
        return slots
    }

    private func grant(_ leases: [ClusterLease], to handle: SessionHandle) async {
        var grants: [WireMessage] = []
        grants.reserveCapacity(leases.count)
        for cluster in leases {
            let lease = cluster.lease
            var chunks: [ChunkReference] = []
            if lease.datasetID != nil {
                do {
                    let references: [InputChunkReference]
                    switch lease.kind {
                    case .ingestion: references = try await queue.uploadParts(of: lease.jobID)
                    case .workflow, .bench: references = try await queue.datasetChunks(of: lease.jobID)
                    }
                    chunks = references.compactMap { reference in
                        WireChunkHash(data: reference.hash).map {
                            ChunkReference(hash: $0, rowCount: UInt32(max(0, reference.rowCount)), byteCount: UInt32(max(0, reference.byteCount)))
                        }
                    }
                } catch {
                    logger.error("reading a job's chunk list failed", metadata: ["job_id": "\(lease.jobID)", "error": "\(error)"])
                }
            }
            grants.append(
                .leaseGrant(
                    LeaseGrant(
                        jobID: lease.jobID.wire, kind: WireJobKind(lease.kind), fencingToken: UInt64(bitPattern: lease.token),
                        attempt: UInt16(clamping: lease.attempt), deadline: WireTime(lease.expiresAt),
                        spec: ByteBuffer(string: cluster.spec?.json ?? "{}"), datasetID: lease.datasetID?.wire, chunks: chunks)))
        }
        let accepted = handle.state.withLock { session -> Bool in
            guard session.phase != .closed else { return false }
            session.granted(leases.map { ($0.lease.jobID.wire, UInt64(bitPattern: $0.lease.token)) })
            return true
        }
        if accepted {
            handle.send(grants)
        } else {
            // The worker left while the statement ran: give the jobs straight back.
            release(leases.map { ($0.lease.jobID, $0.lease.token) }, reason: "worker left before the lease was sent")
        }
    }

    /// Gives leases that never reached a running job back to the queue without using up a
    /// try, through the writer (in order with the job's other writes). The release sends
    /// NOTIFY `loom_queue`, which wakes the dispatchers.
    func release(_ leases: [(job: UUID, token: Int64)], reason: String) {
        for (job, token) in leases {
            writer.submit(.single(jobID: job) { queue in
                _ = try await queue.release(jobID: job, token: token, reason: reason)
            })
        }
    }

    func runDispatcher() async {
        for await _ in dispatchWakes {
            if isStopping { break }
            do {
                try await dispatchOnce()
            } catch {
                logger.error("dispatch failed: \(error)")
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The safety net under NOTIFY: jobs whose backoff ended are due without any notice.
    func runSweep() async {
        while !isStopping {
            try? await Task.sleep(for: configuration.sweepInterval)
            if sessions.all.contains(where: { $0.freeSlots > 0 }) { wakeDispatcher() }
        }
    }
}

typealias WireJobKind = LoomWire.JobKind

extension LoomWire.JobKind {
    init(_ kind: LoomStore.JobKind) {
        switch kind {
        case .ingestion: self = .ingestion
        case .workflow: self = .workflow
        case .bench: self = .bench
        }
    }
}

extension UInt16 {
    var intValue: Int { Int(self) }
}
