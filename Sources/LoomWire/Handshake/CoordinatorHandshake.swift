/// The coordinator's side of the handshake as a pure state machine. A worker reaches
/// `.establish` only after proving it holds the cluster secret; until then the
/// coordinator grants it nothing.
///
///     awaitingHello ─Hello→ awaitingProof ─Authenticate(valid)→ established
///            └── bad Hello, no common version, bad proof, timeout ──→ closed
public struct CoordinatorHandshake: Sendable {
    public struct Configuration: Sendable {
        public var protocolVersions: [UInt16]
        public var secret: ClusterSecret
        public var heartbeatInterval: Duration
        public var maxFrameSize: Int
        public var chunkWindow: UInt16
        public var timeout: Duration
        public var maxSlots: UInt16

        public init(
            protocolVersions: [UInt16] = [WireProtocol.currentVersion], secret: ClusterSecret,
            heartbeatInterval: Duration = .seconds(2), maxFrameSize: Int = Frame.defaultMaxFrameSize,
            chunkWindow: UInt16 = 8, timeout: Duration = .seconds(10), maxSlots: UInt16 = 1024
        ) {
            self.protocolVersions = protocolVersions
            self.secret = secret
            self.heartbeatInterval = heartbeatInterval
            self.maxFrameSize = maxFrameSize
            self.chunkWindow = chunkWindow
            self.timeout = timeout
            self.maxSlots = maxSlots
        }
    }

    public enum Event: Sendable {
        case received(WireMessage)
        case tick(now: ContinuousClock.Instant)
        /// The owner refuses the worker (draining, duplicate instance): at any point of the
        /// handshake, or on `.establish` instead of sending the Welcome.
        case refuse(Reject.Reason, String)
    }

    public enum Action: Sendable, Hashable {
        case send(WireMessage)
        /// Send the Welcome; the worker is authenticated and may be given leases.
        case establish(welcome: WireMessage, worker: AuthenticatedWorker)
        /// Send `message` when there is one, then close the connection.
        case close(HandshakeFailure, send: WireMessage?)
        case wait
    }

    enum State: Sendable {
        case awaitingHello
        case awaitingProof(Hello, version: UInt16)
        case established(AuthenticatedWorker)
        case closed(HandshakeFailure)
    }

    private let configuration: Configuration
    private let nonce: Bytes32
    private let sessionID: WireUUID
    private let deadline: ContinuousClock.Instant
    private(set) var state = State.awaitingHello

    /// `now` is when the connection was accepted: the handshake must finish by now + timeout.
    public init(configuration: Configuration, nonce: Bytes32, sessionID: WireUUID, now: ContinuousClock.Instant) {
        self.configuration = configuration
        self.nonce = nonce
        self.sessionID = sessionID
        self.deadline = now + configuration.timeout
    }

    public var isFinished: Bool {
        switch state {
        case .established, .closed: true
        case .awaitingHello, .awaitingProof: false
        }
    }

    public mutating func event(_ event: Event) -> Action {
        switch (state, event) {
        case (.awaitingHello, .received(.hello(let hello))):
            if let problem = Self.problem(with: hello, maxSlots: configuration.maxSlots) {
                return reject(.invalidHello, problem)
            }
            let common = hello.protocolVersions.filter(configuration.protocolVersions.contains)
            guard let version = common.max() else {
                return reject(.unsupportedVersion, "coordinator speaks \(configuration.protocolVersions), worker \(hello.protocolVersions)")
            }
            state = .awaitingProof(hello, version: version)
            return .send(.challenge(Challenge(protocolVersion: version, coordinatorNonce: nonce)))

        case (.awaitingProof(let hello, let version), .received(.authenticate(let authenticate))):
            let expected = HandshakeProof.worker(
                secret: configuration.secret, version: version, coordinatorNonce: nonce, workerNonce: hello.workerNonce,
                instanceID: hello.instanceID)
            guard HandshakeProof.matches(authenticate.proof, expected) else {
                return reject(.authenticationFailed, "the proof does not verify")
            }
            let worker = AuthenticatedWorker(
                name: hello.workerName, instanceID: hello.instanceID, slots: hello.slots, labels: hello.labels,
                buildVersion: hello.buildVersion, protocolVersion: version, sessionID: sessionID)
            let proof = HandshakeProof.coordinator(
                secret: configuration.secret, version: version, coordinatorNonce: nonce, workerNonce: hello.workerNonce,
                instanceID: hello.instanceID, sessionID: sessionID)
            let welcome = Welcome(
                sessionID: sessionID,
                heartbeatIntervalMilliseconds: Self.milliseconds(configuration.heartbeatInterval),
                maxFrameSize: UInt32(clamping: configuration.maxFrameSize), chunkWindow: configuration.chunkWindow,
                coordinatorProof: proof)
            state = .established(worker)
            return .establish(welcome: .welcome(welcome), worker: worker)

        case (.awaitingHello, .received(let message)), (.awaitingProof, .received(let message)):
            switch message {
            case .error(let error):
                state = .closed(.closedByPeer(error.message))
                return .close(.closedByPeer(error.message), send: nil)
            case .goodbye(let goodbye):
                state = .closed(.closedByPeer(goodbye.reason))
                return .close(.closedByPeer(goodbye.reason), send: nil)
            default:
                return reject(.unexpectedMessage, "\(message.type) during the handshake")
            }

        case (.awaitingHello, .tick(let now)), (.awaitingProof, .tick(let now)):
            guard now >= deadline else { return .wait }
            return reject(.timeout, "handshake not finished in \(configuration.timeout)")

        case (.awaitingHello, .refuse(let reason, let message)), (.awaitingProof, .refuse(let reason, let message)),
            (.established, .refuse(let reason, let message)):
            return reject(reason, message)

        case (.established, .tick), (.closed, .tick), (.closed, .received), (.closed, .refuse):
            return .wait
        case (.established, .received):
            preconditionFailure("CoordinatorHandshake fed a message after the session was established")
        }
    }

    /// Who may appear: a named worker with at least one slot, within the limits.
    static func problem(with hello: Hello, maxSlots: UInt16) -> String? {
        if hello.protocolVersions.isEmpty { return "no protocol versions offered" }
        if hello.workerName.isEmpty || hello.workerName.utf8.count > 128 { return "worker name must have 1 to 128 bytes" }
        if hello.slots == 0 || hello.slots > maxSlots { return "slots must be 1 to \(maxSlots), got \(hello.slots)" }
        if hello.labels.count > 64 { return "at most 64 labels" }
        if hello.labels.contains(where: { $0.key.isEmpty || $0.key.utf8.count > 128 || $0.value.utf8.count > 1024 }) {
            return "label keys need 1 to 128 bytes and values at most 1024"
        }
        if hello.buildVersion.utf8.count > 128 { return "build version longer than 128 bytes" }
        return nil
    }

    private static func milliseconds(_ duration: Duration) -> UInt32 {
        let (seconds, attoseconds) = duration.components
        return UInt32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    private mutating func reject(_ reason: Reject.Reason, _ message: String) -> Action {
        state = .closed(.rejected(reason, message))
        return .close(.rejected(reason, message), send: .reject(Reject(reason: reason, message: message)))
    }
}

/// A worker that proved it holds the cluster secret, as the coordinator knows it.
public struct AuthenticatedWorker: Hashable, Sendable {
    public var name: String
    public var instanceID: WireUUID
    public var slots: UInt16
    public var labels: [Hello.Label]
    public var buildVersion: String
    public var protocolVersion: UInt16
    public var sessionID: WireUUID
}
