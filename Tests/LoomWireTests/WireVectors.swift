import LoomWire
import NIOCore

/// The golden frames of proto/vectors/frames: each file holds one frame, in hex, made
/// from the message here. Fixed values only, so that other implementations can build
/// the same messages from the descriptions.
enum WireVectors {
    struct Vector {
        let name: String
        let description: String
        let message: WireMessage
    }

    static let job = WireUUID("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")!
    static let instance = WireUUID("11111111-2222-4333-8444-555555555555")!
    static let session = WireUUID("99999999-8888-4777-8666-555555555555")!
    static let t0 = WireTime(millisecondsSinceEpoch: 1_767_225_600_000)  // 2026-01-01T00:00:00Z
    static let nonceA = Bytes32(Array(0..<32))!
    static let nonceB = Bytes32(Array(32..<64))!
    static let hashA = WireChunkHash(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)

    static let all: [Vector] = [
        Vector(
            name: "hello", description: "Hello: versions [1], worker \"gpu-box-1\", 10 slots, label zone=eu-1, build 0.1.0, worker nonce 00..1f",
            message: .hello(
                Hello(
                    protocolVersions: [1], workerName: "gpu-box-1", instanceID: instance, slots: 10,
                    labels: [Hello.Label(key: "zone", value: "eu-1")], buildVersion: "0.1.0", workerNonce: nonceA))),
        Vector(
            name: "challenge", description: "Challenge: version 1, coordinator nonce 20..3f",
            message: .challenge(Challenge(protocolVersion: 1, coordinatorNonce: nonceB))),
        Vector(
            name: "authenticate", description: "Authenticate: the worker's HMAC-SHA256 proof for secret \"correct horse battery staple\" over the hello and challenge vectors",
            message: .authenticate(Authenticate(proof: WireVectors.workerProof))),
        Vector(
            name: "welcome", description: "Welcome: session 99999999-..., heartbeat 2000 ms, max frame 16 MiB, window 8, the coordinator's proof",
            message: .welcome(
                Welcome(sessionID: session, heartbeatIntervalMilliseconds: 2_000, maxFrameSize: 16 << 20, chunkWindow: 8, coordinatorProof: WireVectors.coordinatorProof))),
        Vector(
            name: "reject", description: "Reject: authentication failed",
            message: .reject(Reject(reason: .authenticationFailed, message: "the proof does not verify"))),
        Vector(
            name: "heartbeat", description: "Heartbeat: 1 slot in use, job 0b1c2d3e-... fencing token 7, last progress at t0",
            message: .heartbeat(Heartbeat(sentAt: t0, slotsInUse: 1, jobs: [Heartbeat.HeldJob(jobID: job, fencingToken: 7, lastProgressAt: t0)]))),
        Vector(
            name: "heartbeat-ack", description: "HeartbeatAck: cancel the job, nothing released",
            message: .heartbeatAck(HeartbeatAck(heartbeatSentAt: t0, cancel: [job], notHeld: []))),
        Vector(
            name: "lease-grant", description: "LeaseGrant: workflow job, fencing 7, attempt 1, deadline t0+1800 s, spec {\"nodes\":[]}, one chunk",
            message: .leaseGrant(
                LeaseGrant(
                    jobID: job, kind: .workflow, fencingToken: 7, attempt: 1,
                    deadline: WireTime(millisecondsSinceEpoch: t0.millisecondsSinceEpoch + 1_800_000),
                    spec: ByteBuffer(string: "{\"nodes\":[]}"), datasetID: instance,
                    chunks: [ChunkReference(hash: hashA, rowCount: 65_536, byteCount: 1_234_567)]))),
        Vector(
            name: "lease-accept", description: "LeaseAccept: job, fencing 7, started at t0",
            message: .leaseAccept(LeaseAccept(jobID: job, fencingToken: 7, startedAt: t0))),
        Vector(
            name: "node-status", description: "NodeStatus: node \"train\" running at t0",
            message: .nodeStatus(NodeStatus(jobID: job, fencingToken: 7, nodeID: "train", state: .running, at: t0, message: ""))),
        Vector(
            name: "node-progress", description: "NodeProgress: node \"train\" at 0.5, \"epoch 5/10\"",
            message: .nodeProgress(NodeProgress(jobID: job, fencingToken: 7, nodeID: "train", fraction: 0.5, at: t0, message: "epoch 5/10"))),
        Vector(
            name: "metrics", description: "Metrics: node \"evaluate\", accuracy 0.875 and loss 0.25",
            message: .metrics(
                Metrics(jobID: job, fencingToken: 7, nodeID: "evaluate", at: t0, values: [.init(name: "accuracy", value: 0.875), .init(name: "loss", value: 0.25)]))),
        Vector(
            name: "artifact", description: "Artifact: the only part of \"roc.svg\" (image/svg+xml), 11 bytes \"<svg></svg>\"",
            message: .artifact(
                Artifact(
                    jobID: job, fencingToken: 7, artifactID: 1, nodeID: "plot", name: "roc.svg", contentType: "image/svg+xml",
                    totalSize: 11, offset: 0, bytes: ByteBuffer(string: "<svg></svg>")))),
        Vector(
            name: "chunk-begin", description: "ChunkBegin: stream 1, node output \"predictions\", 2 chunks expected",
            message: .chunkBegin(ChunkBegin(jobID: job, fencingToken: 7, streamID: 1, purpose: .nodeOutput, name: "predictions", expectedChunks: 2))),
        Vector(
            name: "chunk", description: "Chunk: stream 1, sequence 0, hash 0123..3210, 4 bytes de ad be ef (not a real chunk)",
            message: .chunk(ChunkData(jobID: job, fencingToken: 7, streamID: 1, sequence: 0, hash: hashA, bytes: ByteBuffer(bytes: [0xDE, 0xAD, 0xBE, 0xEF])))),
        Vector(
            name: "chunk-ack", description: "ChunkAck: stream 1, 1 chunk processed",
            message: .chunkAck(ChunkAck(streamID: 1, processedCount: 1))),
        Vector(
            name: "chunk-end", description: "ChunkEnd: stream 1 complete after 2 chunks",
            message: .chunkEnd(ChunkEnd(jobID: job, fencingToken: 7, streamID: 1, chunkCount: 2, aborted: false))),
        Vector(
            name: "fetch-chunks", description: "FetchChunks: stream 2 asks for one chunk by hash",
            message: .fetchChunks(FetchChunks(jobID: job, fencingToken: 7, streamID: 2, hashes: [hashA]))),
        Vector(
            name: "chunks-missing", description: "ChunksMissing: stream 2, the coordinator lacks that chunk",
            message: .chunksMissing(ChunksMissing(streamID: 2, hashes: [hashA]))),
        Vector(
            name: "job-completed", description: "JobCompleted: result {\"accuracy\":0.875}",
            message: .jobCompleted(JobCompleted(jobID: job, fencingToken: 7, completedAt: t0, result: ByteBuffer(string: "{\"accuracy\":0.875}")))),
        Vector(
            name: "job-failed", description: "JobFailed: node \"train\" failed, kind node_failed, retryable",
            message: .jobFailed(
                JobFailed(
                    jobID: job, fencingToken: 7, failedAt: t0, errorKind: "node_failed", message: "singular matrix", trace: "train > fit",
                    nodeID: "train", retryable: true))),
        Vector(
            name: "cancel-job", description: "CancelJob: cancelled by the user",
            message: .cancelJob(CancelJob(jobID: job, fencingToken: 7, reason: "cancelled by user"))),
        Vector(name: "cancel-ack", description: "CancelAck: job, fencing 7", message: .cancelAck(CancelAck(jobID: job, fencingToken: 7))),
        Vector(
            name: "lease-reject", description: "LeaseReject: no free slot",
            message: .leaseReject(LeaseReject(jobID: job, fencingToken: 7, reason: .noFreeSlot, message: "10 of 10 slots busy"))),
        Vector(
            name: "drain", description: "Drain: deadline t0, \"coordinator shutting down\"",
            message: .drain(Drain(deadline: t0, reason: "coordinator shutting down"))),
        Vector(name: "goodbye", description: "Goodbye: \"worker stopping\"", message: .goodbye(Goodbye(reason: "worker stopping"))),
        Vector(
            name: "error", description: "Error: code 1 (frame too large)",
            message: .error(ErrorMessage(code: .frameTooLarge, message: "frame of 100000000 bytes exceeds the maximum of 16777216"))),
    ]

    static var workerProof: Bytes32 { proofs().worker }
    static var coordinatorProof: Bytes32 { proofs().coordinator }

    /// The proofs a real handshake computes for the hello and challenge vectors.
    static func proofs() -> (worker: Bytes32, coordinator: Bytes32) {
        let secret = try! ClusterSecret(passphrase: "correct horse battery staple")
        var worker = WorkerHandshake(
            configuration: .init(
                protocolVersions: [1], workerName: "gpu-box-1", instanceID: instance, slots: 10,
                labels: [Hello.Label(key: "zone", value: "eu-1")], buildVersion: "0.1.0", secret: secret),
            workerNonce: nonceA)
        var coordinator = CoordinatorHandshake(
            configuration: .init(secret: secret), nonce: nonceB, sessionID: session, now: .now)
        guard case .send(let hello) = worker.event(.start(now: .now)),
            case .send(let challenge) = coordinator.event(.received(hello)),
            case .send(.authenticate(let authenticate)) = worker.event(.received(challenge)),
            case .establish(.welcome(let welcome), _) = coordinator.event(.received(.authenticate(authenticate)))
        else { fatalError("the vector handshake failed") }
        return (authenticate.proof, welcome.coordinatorProof)
    }
}
