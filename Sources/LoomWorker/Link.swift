import Foundation
import LoomWire
import NIOCore
import Synchronization

/// The worker's side of the connection, across reconnects: jobs send through it whether
/// or not a connection is up (messages wait, bounded, for the next one), and chunk streams
/// in both directions are routed through it.
final class Link: Sendable {
    struct LinkError: Error, CustomStringConvertible {
        var description: String
    }

    private struct State {
        var channel: (any Channel)?
        var session: WorkerSession?
        var buffered: [WireMessage] = []
        var nextStream: UInt32 = 1
        var fetches: [UInt32: FetchStream] = [:]
        var uploads: [UInt32: UploadStream] = [:]
        var connectedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let maxBuffered: Int
    /// A flush is scheduled on the event loop (touched only there).
    private let flushPending = Atomic<Bool>(false)

    init(maxBuffered: Int) { self.maxBuffered = maxBuffered }

    var session: WorkerSession? { state.withLock { $0.session } }
    var isConnected: Bool { state.withLock { $0.channel != nil } }

    /// A new connection is up: flush what waited, in order, after `first` (the re-announcing heartbeat).
    func connected(_ channel: any Channel, session: WorkerSession, first: WireMessage) {
        let (buffered, waiters) = state.withLock { state in
            state.channel = channel
            state.session = session
            defer {
                state.buffered = []
                state.connectedWaiters = []
            }
            return (state.buffered, state.connectedWaiters)
        }
        channel.write(first, promise: nil)
        for message in buffered { channel.write(message, promise: nil) }
        channel.flush()
        for waiter in waiters { waiter.resume() }
    }

    /// The connection is gone: streams in flight fail (their jobs retry them on the next).
    func disconnected() {
        let (fetches, uploads) = state.withLock { state in
            state.channel = nil
            defer {
                state.fetches = [:]
                state.uploads = [:]
            }
            return (Array(state.fetches.values), Array(state.uploads.values))
        }
        for fetch in fetches { fetch.fail(LinkError(description: "connection lost during a fetch")) }
        for upload in uploads { upload.fail(LinkError(description: "connection lost during an upload")) }
    }

    func waitUntilConnected() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.channel != nil { return true }
                state.connectedWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func send(_ message: WireMessage) {
        send([message])
    }

    func send(_ messages: [WireMessage]) {
        let channel: (any Channel)? = state.withLock { state in
            if let channel = state.channel { return channel }
            state.buffered.append(contentsOf: messages)
            if state.buffered.count > maxBuffered {
                // Progress is the one thing that may be lost; everything else is kept.
                state.buffered.removeAll { if case .nodeProgress = $0 { true } else { false } }
            }
            return nil
        }
        guard let channel else { return }
        channel.eventLoop.execute { [self] in
            for message in messages { channel.write(message, promise: nil) }
            flushSoon(channel)
        }
    }

    /// One flush (one system call) for everything written in this turn of the event loop:
    /// a batch of LeaseGrants is answered by a batch of LeaseAccepts in one segment, and
    /// the completions of many short jobs go out together. Called on the event loop.
    private func flushSoon(_ channel: any Channel) {
        guard !flushPending.exchange(true, ordering: .relaxed) else { return }
        channel.eventLoop.execute { [self] in
            flushPending.store(false, ordering: .relaxed)
            channel.flush()
        }
    }

    /// Sends only while connected (heartbeats, acks): nothing is kept for later.
    func sendNow(_ message: WireMessage) {
        state.withLock { $0.channel }?.writeAndFlush(message, promise: nil)
    }

    // MARK: Fetch streams (coordinator → worker)

    /// Fetches chunks by hash: what the coordinator has, and the hashes it lacks.
    func fetch(jobID: WireUUID, token: UInt64, hashes: [WireChunkHash]) async throws -> (chunks: [WireChunkHash: [UInt8]], missing: [WireChunkHash]) {
        let stream = FetchStream()
        guard let (channel, id) = state.withLock({ state -> ((any Channel), UInt32)? in
            guard let channel = state.channel, let session = state.session else { return nil }
            let id = state.nextStream
            state.nextStream &+= 1
            stream.window = session.chunkWindow
            state.fetches[id] = stream
            return (channel, id)
        }) else { throw LinkError(description: "not connected") }
        defer { _ = state.withLock { $0.fetches.removeValue(forKey: id) } }
        return try await withCheckedThrowingContinuation { continuation in
            stream.start(continuation)
            channel.writeAndFlush(WireMessage.fetchChunks(FetchChunks(jobID: jobID, fencingToken: token, streamID: id, hashes: hashes)), promise: nil)
        }
    }

    /// Routes a fetch-reply message; returns an error that breaks the protocol, if any.
    func fetchReply(_ message: WireMessage) -> WireError? {
        let streamID: UInt32
        switch message {
        case .chunkBegin(let begin): streamID = begin.streamID
        case .chunk(let chunk): streamID = chunk.streamID
        case .chunksMissing(let missing): streamID = missing.streamID
        case .chunkEnd(let end): streamID = end.streamID
        default: return nil
        }
        guard let stream = state.withLock({ $0.fetches[streamID] }) else {
            // A stream we gave up on (the job stopped): ignore the rest of it.
            return nil
        }
        switch stream.receive(message) {
        case .ack(let ack): sendNow(.chunkAck(ack))
        case .none: break
        case .violation(let error): return error
        }
        return nil
    }

    // MARK: Upload streams (worker → coordinator)

    /// Streams `chunks` to the coordinator within the window and waits until all are stored.
    func upload(jobID: WireUUID, token: UInt64, purpose: ChunkBegin.Purpose, name: String, chunks: [(WireChunkHash, [UInt8])]) async throws {
        guard let (channel, id, window) = state.withLock({ state -> ((any Channel), UInt32, Int)? in
            guard let channel = state.channel, let session = state.session else { return nil }
            let id = state.nextStream
            state.nextStream &+= 1
            return (channel, id, session.chunkWindow)
        }) else { throw LinkError(description: "not connected") }
        let upload = UploadStream(window: window)
        state.withLock { $0.uploads[id] = upload }
        defer { _ = state.withLock { $0.uploads.removeValue(forKey: id) } }
        channel.writeAndFlush(
            WireMessage.chunkBegin(ChunkBegin(jobID: jobID, fencingToken: token, streamID: id, purpose: purpose, name: name, expectedChunks: UInt32(chunks.count))),
            promise: nil)
        for (index, (hash, bytes)) in chunks.enumerated() {
            try await upload.reserve()
            channel.writeAndFlush(
                WireMessage.chunk(ChunkData(jobID: jobID, fencingToken: token, streamID: id, sequence: UInt32(index), hash: hash, bytes: ByteBuffer(bytes: bytes))),
                promise: nil)
        }
        channel.writeAndFlush(WireMessage.chunkEnd(ChunkEnd(jobID: jobID, fencingToken: token, streamID: id, chunkCount: UInt32(chunks.count), aborted: false)), promise: nil)
        try await upload.waitForAll(UInt32(chunks.count))
    }

    func uploadAcknowledged(_ ack: ChunkAck) {
        state.withLock { $0.uploads[ack.streamID] }?.acknowledge(ack.processedCount)
    }
}

/// One fetch reply being received.
final class FetchStream: @unchecked Sendable {
    enum Outcome {
        case ack(ChunkAck)
        case violation(WireError)
        case none
    }

    private let lock = NSLockShim()
    var window = 8
    private var receiver: ChunkStreamReceiver?
    private var chunks: [WireChunkHash: [UInt8]] = [:]
    private var missing: [WireChunkHash] = []
    private var continuation: CheckedContinuation<(chunks: [WireChunkHash: [UInt8]], missing: [WireChunkHash]), any Error>?
    private var earlyError: (any Error)?

    func start(_ continuation: CheckedContinuation<(chunks: [WireChunkHash: [UInt8]], missing: [WireChunkHash]), any Error>) {
        let error: (any Error)? = lock.with {
            if let earlyError { return earlyError }
            self.continuation = continuation
            return nil
        }
        if let error { continuation.resume(throwing: error) }
    }

    func receive(_ message: WireMessage) -> Outcome {
        lock.with {
            switch message {
            case .chunkBegin(let begin):
                receiver = ChunkStreamReceiver(streamID: begin.streamID, window: window)
                return .none
            case .chunk(let chunk):
                guard var receiver else { return .violation(WireError(.flowControl, "chunk before ChunkBegin")) }
                do throws(WireError) { try receiver.receive(chunk) } catch { return .violation(error) }
                chunks[chunk.hash] = Array(chunk.bytes.readableBytesView)
                let ack = receiver.processed()
                self.receiver = receiver
                return .ack(ack)
            case .chunksMissing(let list):
                missing.append(contentsOf: list.hashes)
                return .none
            case .chunkEnd(let end):
                let result = (chunks, missing)
                let waiter = continuation
                continuation = nil
                if end.aborted {
                    waiter?.resume(throwing: Link.LinkError(description: "the coordinator aborted the fetch (lease lost?)"))
                } else {
                    waiter?.resume(returning: result)
                }
                return .none
            default:
                return .none
            }
        }
    }

    func fail(_ error: any Error) {
        let waiter: CheckedContinuation<(chunks: [WireChunkHash: [UInt8]], missing: [WireChunkHash]), any Error>? = lock.with {
            defer { continuation = nil }
            if continuation == nil { earlyError = error }
            return continuation
        }
        waiter?.resume(throwing: error)
    }
}

/// One upload's window: waits while `window` chunks are unacknowledged.
final class UploadStream: @unchecked Sendable {
    private let lock = NSLockShim()
    private let window: Int
    private var sent: UInt32 = 0
    private var acknowledged: UInt32 = 0
    private var failure: (any Error)?
    private var waiter: CheckedContinuation<Void, any Error>?
    private var target: UInt32?

    init(window: Int) { self.window = window }

    func reserve() async throws {
        try await wait { Int(self.sent - self.acknowledged) < self.window }
        lock.with { sent += 1 }
    }

    func waitForAll(_ count: UInt32) async throws {
        try await wait { self.acknowledged >= count }
    }

    private func wait(until condition: @escaping () -> Bool) async throws {
        while true {
            let done: Bool = try lock.with {
                if let failure { throw failure }
                return condition()
            }
            if done { return }
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = lock.with {
                    if let failure { return .failure(failure) }
                    if condition() { return .success(()) }
                    waiter = continuation
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        }
    }

    func acknowledge(_ count: UInt32) {
        let waiter: CheckedContinuation<Void, any Error>? = lock.with {
            acknowledged = max(acknowledged, min(count, sent))
            defer { self.waiter = nil }
            return self.waiter
        }
        waiter?.resume()
    }

    func fail(_ error: any Error) {
        let waiter: CheckedContinuation<Void, any Error>? = lock.with {
            failure = error
            defer { self.waiter = nil }
            return self.waiter
        }
        waiter?.resume(throwing: error)
    }
}

/// A plain mutex usable from classes that hold continuations.
final class NSLockShim: @unchecked Sendable {
    private let lock = NSLock()
    func with<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
