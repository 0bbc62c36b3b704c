import LoomWire
import NIOCore
import Testing

@Suite("Handshake state machines")
struct HandshakeTests {
    static let secret = try! ClusterSecret(passphrase: "correct horse battery staple")
    static let wrongSecret = try! ClusterSecret(passphrase: "incorrect horse battery staple")
    let start = ContinuousClock.now

    func worker(secret: ClusterSecret = secret, versions: [UInt16] = [1], seed: UInt64 = 1) -> WorkerHandshake {
        var random = SeededGenerator(seed: seed)
        let configuration = WorkerHandshake.Configuration(
            protocolVersions: versions, workerName: "gpu-box-1", instanceID: WireUUID.random(using: &random), slots: 10,
            labels: [Hello.Label(key: "gpu", value: "none")], buildVersion: "0.1.0", secret: secret)
        return WorkerHandshake(configuration: configuration, workerNonce: Bytes32.random(using: &random))
    }

    func coordinator(secret: ClusterSecret = secret, versions: [UInt16] = [1], seed: UInt64 = 2) -> CoordinatorHandshake {
        var random = SeededGenerator(seed: seed)
        let configuration = CoordinatorHandshake.Configuration(protocolVersions: versions, secret: secret)
        return CoordinatorHandshake(
            configuration: configuration, nonce: Bytes32.random(using: &random), sessionID: WireUUID.random(using: &random), now: start)
    }

    func sent(_ action: WorkerHandshake.Action) -> WireMessage? {
        if case .send(let message) = action { message } else { nil }
    }

    func sent(_ action: CoordinatorHandshake.Action) -> WireMessage? {
        if case .send(let message) = action { message } else { nil }
    }

    @Test("a worker and a coordinator with the same secret open a session")
    func success() throws {
        var worker = worker()
        var coordinator = coordinator()
        let hello = try #require(sent(worker.event(.start(now: start))))
        let challenge = try #require(sent(coordinator.event(.received(hello))))
        let authenticate = try #require(sent(worker.event(.received(challenge))))
        guard case .establish(let welcome, let authenticated) = coordinator.event(.received(authenticate)) else {
            Issue.record("coordinator did not establish")
            return
        }
        #expect(authenticated.name == "gpu-box-1")
        #expect(authenticated.slots == 10)
        #expect(authenticated.protocolVersion == 1)
        guard case .established(let session) = worker.event(.received(welcome)) else {
            Issue.record("worker did not establish")
            return
        }
        #expect(session.sessionID == authenticated.sessionID)
        #expect(session.heartbeatInterval == .seconds(2))
        #expect(worker.isFinished && coordinator.isFinished)
    }

    @Test("the secret never crosses the wire")
    func secretStaysHome() throws {
        var worker = worker()
        var coordinator = coordinator()
        var transcript = [UInt8]()
        let hello = try #require(sent(worker.event(.start(now: start))))
        let challenge = try #require(sent(coordinator.event(.received(hello))))
        let authenticate = try #require(sent(worker.event(.received(challenge))))
        for message in [hello, challenge, authenticate] {
            transcript += Array(try FrameEncoder().encode(message).readableBytesView)
        }
        let secretBytes = Array("correct horse battery staple".utf8)
        let found = transcript.indices.contains { transcript[$0...].starts(with: secretBytes) }
        #expect(!found)
    }

    @Test("a worker with the wrong secret is rejected before any lease")
    func wrongWorkerSecret() throws {
        var worker = worker(secret: Self.wrongSecret)
        var coordinator = coordinator()
        let hello = try #require(sent(worker.event(.start(now: start))))
        let challenge = try #require(sent(coordinator.event(.received(hello))))
        let authenticate = try #require(sent(worker.event(.received(challenge))))
        let action = coordinator.event(.received(authenticate))
        guard case .close(.rejected(.authenticationFailed, _), .reject(let reject)?) = action else {
            Issue.record("expected a Reject, got \(action)")
            return
        }
        #expect(reject.reason == .authenticationFailed)
        guard case .fail(.rejected(.authenticationFailed, _), nil) = worker.event(.received(.reject(reject))) else {
            Issue.record("worker should fail on Reject")
            return
        }
        // Whatever it sends next, the coordinator grants nothing.
        #expect(coordinator.event(.received(.leaseAccept(LeaseAccept(jobID: .random(), fencingToken: 1, startedAt: WireTime(millisecondsSinceEpoch: 0))))) == .wait)
    }

    @Test("a coordinator that does not hold the secret is refused by the worker")
    func impostorCoordinator() throws {
        var worker = worker()
        var impostor = coordinator(secret: Self.wrongSecret)
        let hello = try #require(sent(worker.event(.start(now: start))))
        let challenge = try #require(sent(impostor.event(.received(hello))))
        let authenticate = try #require(sent(worker.event(.received(challenge))))
        // The impostor cannot check the proof; suppose it waves the worker through.
        let forged = Welcome(
            sessionID: .random(), heartbeatIntervalMilliseconds: 2_000, maxFrameSize: 1 << 24, chunkWindow: 8, coordinatorProof: .zero)
        _ = authenticate
        let action = worker.event(.received(.welcome(forged)))
        guard case .fail(.coordinatorNotAuthenticated, .error(let error)?) = action else {
            Issue.record("expected failure, got \(action)")
            return
        }
        #expect(error.code == .authenticationFailed)
    }

    @Test("the highest common version is chosen; none in common is a Reject")
    func versions() throws {
        var worker = worker(versions: [1, 2, 3])
        var coordinator = coordinator(versions: [1, 2])
        let hello = try #require(sent(worker.event(.start(now: start))))
        guard case .challenge(let challenge)? = sent(coordinator.event(.received(hello))) else {
            Issue.record("no challenge")
            return
        }
        #expect(challenge.protocolVersion == 2)

        var future = self.worker(versions: [5])
        var old = self.coordinator(versions: [1])
        let futureHello = try #require(sent(future.event(.start(now: start))))
        guard case .close(.rejected(.unsupportedVersion, _), _) = old.event(.received(futureHello)) else {
            Issue.record("expected unsupportedVersion")
            return
        }
    }

    @Test("a worker refuses a version it did not offer")
    func versionNotOffered() throws {
        var worker = worker(versions: [1])
        _ = worker.event(.start(now: start))
        let action = worker.event(.received(.challenge(Challenge(protocolVersion: 9, coordinatorNonce: .zero))))
        guard case .fail(.unsupportedVersion(9), _) = action else {
            Issue.record("got \(action)")
            return
        }
    }

    @Test("the handshake times out at its deadline, not before")
    func timeout() throws {
        var coordinator = coordinator()
        #expect(coordinator.event(.tick(now: start + .seconds(9))) == .wait)
        guard case .close(.rejected(.timeout, _), .reject?) = coordinator.event(.tick(now: start + .seconds(10))) else {
            Issue.record("coordinator should time out")
            return
        }
        var worker = worker()
        _ = worker.event(.start(now: start))
        #expect(worker.event(.tick(now: start + .milliseconds(9_999))) == .wait)
        guard case .fail(.timeout, _) = worker.event(.tick(now: start + .seconds(11))) else {
            Issue.record("worker should time out")
            return
        }
    }

    @Test("a draining coordinator refuses a worker with Reject instead of a Welcome")
    func refuse() throws {
        var worker = worker()
        var coordinator = coordinator()
        let hello = try #require(sent(worker.event(.start(now: start))))
        let challenge = try #require(sent(coordinator.event(.received(hello))))
        let authenticate = try #require(sent(worker.event(.received(challenge))))
        guard case .establish = coordinator.event(.received(authenticate)) else {
            Issue.record("expected establish")
            return
        }
        guard case .close(.rejected(.draining, _), .reject(let reject)?) = coordinator.event(.refuse(.draining, "shutting down")) else {
            Issue.record("expected a Reject")
            return
        }
        guard case .fail(.rejected(.draining, "shutting down"), nil) = worker.event(.received(.reject(reject))) else {
            Issue.record("the worker should fail with the reason")
            return
        }
    }

    @Test("messages out of order and invalid hellos are refused")
    func unexpected() throws {
        var coordinator = coordinator()
        let early = coordinator.event(.received(.authenticate(Authenticate(proof: .zero))))
        guard case .close(.rejected(.unexpectedMessage, _), _) = early else {
            Issue.record("got \(early)")
            return
        }
        var other = self.coordinator()
        let zeroSlots = Hello(
            protocolVersions: [1], workerName: "w", instanceID: .random(), slots: 0, labels: [], buildVersion: "1", workerNonce: .zero)
        guard case .close(.rejected(.invalidHello, _), _) = other.event(.received(.hello(zeroSlots))) else {
            Issue.record("slots 0 must be refused")
            return
        }
        var third = self.coordinator()
        guard case .close(.closedByPeer("bye"), nil) = third.event(.received(.goodbye(Goodbye(reason: "bye")))) else {
            Issue.record("goodbye closes")
            return
        }
    }
}
