import Foundation
import LoomStore
import LoomWire
import NIOCore
import Synchronization

/// A live session: its state machine behind a lock, and the connection to send on. The
/// connection task, the dispatcher, the reaper and the cancel listener all reach the worker
/// through it.
final class SessionHandle: Sendable {
    let worker: AuthenticatedWorker
    let instanceID: UUID
    private let channel: any Channel
    let state: Mutex<CoordinatorSession>
    /// Artifacts being assembled from their parts: (job, artifact id) → bytes so far.
    let artifacts = Mutex<[ArtifactKey: [UInt8]]>([:])
    private let fetchWindows = Mutex<[UInt32: AckWindow]>([:])

    struct ArtifactKey: Hashable {
        var job: WireUUID
        var artifact: UInt32
    }

    init(worker: AuthenticatedWorker, channel: any Channel, chunkWindow: Int) {
        self.worker = worker
        self.instanceID = UUID(wire: worker.instanceID)
        self.channel = channel
        state = Mutex(CoordinatorSession(worker: worker, chunkWindow: chunkWindow))
    }

    var freeSlots: Int { state.withLock { $0.freeSlots } }
    var isClosed: Bool { state.withLock { $0.phase == .closed } }

    func holds(_ job: WireUUID) -> UInt64? { state.withLock { $0.held[job] } }

    /// Queues the messages on the connection and returns at once, in one hop to its event
    /// loop and one flush; a closed connection drops them. Nothing that sends (the
    /// dispatcher above all) ever waits for a slow worker's socket. What is queued is
    /// bounded by the protocol: leases by the worker's slots, chunks by the stream windows.
    func send(_ messages: [WireMessage]) {
        guard !messages.isEmpty, !isClosed else { return }
        let channel = channel
        channel.eventLoop.execute {
            for message in messages { channel.write(message, promise: nil) }
            channel.flush()
        }
    }

    func send(_ message: WireMessage) { send([message]) }

    /// The last write on a job was carried out (or refused, or failed).
    func committed(_ job: UUID, token: Int64) {
        state.withLock { $0.committed(job.wire, token: UInt64(bitPattern: token)) }
    }

    /// Ends the session: later sends are dropped and fetch streams stop.
    func close() {
        state.withLock { $0.close() }
        let windows = fetchWindows.withLock { windows in
            defer { windows.removeAll() }
            return Array(windows.values)
        }
        for window in windows { window.cancel() }
        channel.close(promise: nil)
    }

    func openFetchWindow(_ streamID: UInt32, window: Int) -> AckWindow {
        let ackWindow = AckWindow(window: window)
        fetchWindows.withLock { $0[streamID] = ackWindow }
        if isClosed { ackWindow.cancel() }
        return ackWindow
    }

    func closeFetchWindow(_ streamID: UInt32) {
        _ = fetchWindows.withLock { $0.removeValue(forKey: streamID) }
    }

    /// False when the ack is for chunks never sent. An ack for a stream that already
    /// ended (its last acks cross the ChunkEnd) is fine and changes nothing.
    func acknowledge(_ ack: ChunkAck) -> Bool {
        guard let window = fetchWindows.withLock({ $0[ack.streamID] }) else { return true }
        return window.acknowledge(ack.processedCount)
    }
}

/// The sending side of one stream the coordinator serves: waits while `window` chunks are
/// unacknowledged.
final class AckWindow: Sendable {
    private struct State {
        var sent: UInt32 = 0
        var acknowledged: UInt32 = 0
        var cancelled = false
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let window: Int
    private let state = Mutex(State())

    init(window: Int) { self.window = window }

    /// Waits for room for one more chunk and counts it as sent; false when the session ended.
    func reserve() async -> Bool {
        while true {
            let ready: Bool? = state.withLock { state in
                if state.cancelled { return false }
                if Int(state.sent - state.acknowledged) < window {
                    state.sent += 1
                    return true
                }
                return nil
            }
            if let ready { return ready }
            let resumed = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow: Bool? = state.withLock { state in
                    if state.cancelled { return false }
                    if Int(state.sent - state.acknowledged) < window { return true }
                    state.waiter = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
            if !resumed { return false }
        }
    }

    func acknowledge(_ count: UInt32) -> Bool {
        let (valid, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Bool, Never>?) in
            guard count <= state.sent else { return (false, nil) }
            state.acknowledged = max(state.acknowledged, count)
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: true)
        return valid
    }

    func cancel() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.cancelled = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: false)
    }
}

/// Every live session by worker instance.
final class SessionRegistry: Sendable {
    private let sessions = Mutex<[UUID: SessionHandle]>([:])

    /// Adds a session; returns the older session of the same instance, which the caller closes.
    func add(_ handle: SessionHandle) -> SessionHandle? {
        sessions.withLock { sessions in
            defer { sessions[handle.instanceID] = handle }
            return sessions[handle.instanceID]
        }
    }

    func remove(_ handle: SessionHandle) {
        sessions.withLock { sessions in
            if sessions[handle.instanceID] === handle { sessions[handle.instanceID] = nil }
        }
    }

    var all: [SessionHandle] { sessions.withLock { Array($0.values) } }

    func session(_ instance: UUID) -> SessionHandle? { sessions.withLock { $0[instance] } }

    /// The session that holds `job`, if any.
    func holder(of job: WireUUID) -> (SessionHandle, UInt64)? {
        for handle in all {
            if let token = handle.holds(job) { return (handle, token) }
        }
        return nil
    }
}

extension UUID {
    init(wire: WireUUID) { self.init(uuid: wire.uuid) }

    var wire: WireUUID { WireUUID(uuid: uuid) }
}

extension WireChunkHash {
    init?(data: Data) {
        guard data.count == 16 else { return nil }
        var values: [UInt64] = [0, 0]
        for (index, byte) in data.enumerated() { values[index / 8] = values[index / 8] << 8 | UInt64(byte) }
        self.init(high: values[0], low: values[1])
    }

    var data: Data {
        var data = Data()
        withUnsafeBytes(of: high.bigEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: low.bigEndian) { data.append(contentsOf: $0) }
        return data
    }
}

extension WireTime {
    init(_ date: Date) {
        self.init(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }

    static var now: WireTime { WireTime(Date()) }
}
