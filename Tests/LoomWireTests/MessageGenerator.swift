import LoomWire
import NIOCore

/// SplitMix64: a small seeded generator, so that every randomized test is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random contents for every message type.
struct MessageGenerator {
    var random: SeededGenerator

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func int<T: FixedWidthInteger>(_: T.Type = T.self) -> T { T.random(in: .min ... .max, using: &random) }
    mutating func count(_ limit: Int) -> Int { Int.random(in: 0...limit, using: &random) }
    mutating func bool() -> Bool { Bool.random(using: &random) }
    mutating func uuid() -> WireUUID { WireUUID.random(using: &random) }
    mutating func time() -> WireTime { WireTime(millisecondsSinceEpoch: int()) }
    mutating func hash() -> WireChunkHash { WireChunkHash(high: int(), low: int()) }
    mutating func bytes32() -> Bytes32 { Bytes32.random(using: &random) }

    mutating func string(_ limit: Int = 24) -> String {
        let alphabet: [Character] = Array("abcdefghijklmnopqrstuvwxyz0123456789 _-.:/éß漢字🚀")
        return String((0..<count(limit)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
    }

    mutating func bytes(_ limit: Int = 64) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count(limit)).map { _ in int(UInt8.self) })
    }

    mutating func double() -> Double {
        switch count(4) {
        case 0: .nan
        case 1: -0.0
        case 2: .infinity
        default: Double(bitPattern: int())
        }
    }

    mutating func list<T>(_ limit: Int = 5, _ element: (inout MessageGenerator) -> T) -> [T] {
        (0..<count(limit)).map { _ in element(&self) }
    }

    mutating func optional<T>(_ value: (inout MessageGenerator) -> T) -> T? {
        bool() ? value(&self) : nil
    }

    mutating func pick<T: CaseIterable>(_: T.Type) -> T {
        let all = Array(T.allCases)
        return all[Int.random(in: 0..<all.count, using: &random)]
    }

    mutating func message(_ type: MessageType) -> WireMessage {
        switch type {
        case .hello:
            return .hello(
                Hello(
                    protocolVersions: list { $0.int() }, workerName: string(), instanceID: uuid(), slots: int(),
                    labels: list { Hello.Label(key: $0.string(), value: $0.string()) }, buildVersion: string(),
                    workerNonce: bytes32()))
        case .challenge: return .challenge(Challenge(protocolVersion: int(), coordinatorNonce: bytes32()))
        case .authenticate: return .authenticate(Authenticate(proof: bytes32()))
        case .welcome:
            return .welcome(
                Welcome(sessionID: uuid(), heartbeatIntervalMilliseconds: int(), maxFrameSize: int(), chunkWindow: int(), coordinatorProof: bytes32()))
        case .reject: return .reject(Reject(reason: pick(Reject.Reason.self), message: string()))
        case .heartbeat:
            return .heartbeat(
                Heartbeat(
                    sentAt: time(), slotsInUse: int(),
                    jobs: list { Heartbeat.HeldJob(jobID: $0.uuid(), fencingToken: $0.int(), lastProgressAt: $0.time()) }))
        case .heartbeatAck:
            return .heartbeatAck(HeartbeatAck(heartbeatSentAt: time(), cancel: list { $0.uuid() }, notHeld: list { $0.uuid() }))
        case .drain: return .drain(Drain(deadline: optional { $0.time() }, reason: string()))
        case .goodbye: return .goodbye(Goodbye(reason: string()))
        case .leaseGrant:
            return .leaseGrant(
                LeaseGrant(
                    jobID: uuid(), kind: pick(JobKind.self), fencingToken: int(), attempt: int(), deadline: time(),
                    spec: bytes(200), datasetID: optional { $0.uuid() },
                    chunks: list(8) { ChunkReference(hash: $0.hash(), rowCount: $0.int(), byteCount: $0.int()) }))
        case .leaseAccept: return .leaseAccept(LeaseAccept(jobID: uuid(), fencingToken: int(), startedAt: time()))
        case .leaseReject:
            return .leaseReject(LeaseReject(jobID: uuid(), fencingToken: int(), reason: pick(LeaseReject.Reason.self), message: string()))
        case .cancelJob: return .cancelJob(CancelJob(jobID: uuid(), fencingToken: int(), reason: string()))
        case .cancelAck: return .cancelAck(CancelAck(jobID: uuid(), fencingToken: int()))
        case .jobCompleted: return .jobCompleted(JobCompleted(jobID: uuid(), fencingToken: int(), completedAt: time(), result: bytes()))
        case .jobFailed:
            return .jobFailed(
                JobFailed(
                    jobID: uuid(), fencingToken: int(), failedAt: time(), errorKind: string(), message: string(), trace: string(200),
                    nodeID: optional { $0.string() }, retryable: bool()))
        case .nodeStatus:
            return .nodeStatus(NodeStatus(jobID: uuid(), fencingToken: int(), nodeID: string(), state: pick(NodeState.self), at: time(), message: string()))
        case .nodeProgress:
            return .nodeProgress(
                NodeProgress(
                    jobID: uuid(), fencingToken: int(), nodeID: string(), fraction: Double.random(in: 0...1, using: &random), at: time(),
                    message: string()))
        case .metrics:
            return .metrics(
                Metrics(jobID: uuid(), fencingToken: int(), nodeID: string(), at: time(), values: list { Metrics.Metric(name: $0.string(), value: $0.double()) }))
        case .artifact:
            let bytes = bytes(300)
            let offset = UInt64(count(1000))
            return .artifact(
                Artifact(
                    jobID: uuid(), fencingToken: int(), artifactID: int(), nodeID: string(), name: string(), contentType: string(),
                    totalSize: offset + UInt64(bytes.readableBytes) + UInt64(count(1000)), offset: offset, bytes: bytes))
        case .chunkBegin:
            return .chunkBegin(
                ChunkBegin(
                    jobID: uuid(), fencingToken: int(), streamID: int(), purpose: pick(ChunkBegin.Purpose.self), name: string(),
                    expectedChunks: optional { $0.int() }))
        case .chunk:
            return .chunk(ChunkData(jobID: uuid(), fencingToken: int(), streamID: int(), sequence: int(), hash: hash(), bytes: bytes(500)))
        case .chunkAck: return .chunkAck(ChunkAck(streamID: int(), processedCount: int()))
        case .chunkEnd:
            return .chunkEnd(ChunkEnd(jobID: uuid(), fencingToken: int(), streamID: int(), chunkCount: int(), aborted: bool()))
        case .fetchChunks:
            return .fetchChunks(FetchChunks(jobID: uuid(), fencingToken: int(), streamID: int(), hashes: list(10) { $0.hash() }))
        case .chunksMissing: return .chunksMissing(ChunksMissing(streamID: int(), hashes: list(10) { $0.hash() }))
        case .error: return .error(ErrorMessage(code: WireErrorCode(rawValue: int()), message: string()))
        }
    }

    mutating func anyMessage() -> WireMessage { message(pick(MessageType.self)) }
}

func encodeFrames(_ messages: [WireMessage]) throws -> ByteBuffer {
    var buffer = ByteBuffer()
    for message in messages { try FrameEncoder().encode(message, into: &buffer) }
    return buffer
}
