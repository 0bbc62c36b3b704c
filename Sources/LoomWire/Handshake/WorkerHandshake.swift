/// The worker's side of the handshake as a pure state machine: events in, actions out;
/// no I/O, the clock and the nonce are given. The owner of the connection sends what
/// `.send` says, closes on `.fail`, and starts the session on `.established`.
///
///     idle ─start→ awaitingChallenge ─Challenge→ awaitingWelcome ─Welcome→ established
///                        └──── Reject, Error, bad proof, timeout ────→ failed
public struct WorkerHandshake: Sendable {
    public struct Configuration: Sendable {
        public var protocolVersions: [UInt16]
        public var workerName: String
        public var instanceID: WireUUID
        public var slots: UInt16
        public var labels: [Hello.Label]
        public var buildVersion: String
        public var secret: ClusterSecret
        public var timeout: Duration

        public init(
            protocolVersions: [UInt16] = [WireProtocol.currentVersion], workerName: String, instanceID: WireUUID,
            slots: UInt16, labels: [Hello.Label] = [], buildVersion: String, secret: ClusterSecret, timeout: Duration = .seconds(10)
        ) {
            self.protocolVersions = protocolVersions
            self.workerName = workerName
            self.instanceID = instanceID
            self.slots = slots
            self.labels = labels
            self.buildVersion = buildVersion
            self.secret = secret
            self.timeout = timeout
        }
    }

    public enum Event: Sendable {
        case start(now: ContinuousClock.Instant)
        case received(WireMessage)
        case tick(now: ContinuousClock.Instant)
    }

    public enum Action: Sendable, Hashable {
        case send(WireMessage)
        case established(WorkerSession)
        /// Send `message` when there is one, then close the connection.
        case fail(HandshakeFailure, send: WireMessage?)
        case wait
    }

    enum State: Sendable {
        case idle
        case awaitingChallenge(deadline: ContinuousClock.Instant)
        case awaitingWelcome(version: UInt16, coordinatorNonce: Bytes32, deadline: ContinuousClock.Instant)
        case established(WorkerSession)
        case failed(HandshakeFailure)
    }

    private let configuration: Configuration
    private let workerNonce: Bytes32
    private(set) var state = State.idle

    public init(configuration: Configuration, workerNonce: Bytes32) {
        self.configuration = configuration
        self.workerNonce = workerNonce
    }

    public var isFinished: Bool {
        switch state {
        case .established, .failed: true
        case .idle, .awaitingChallenge, .awaitingWelcome: false
        }
    }

    public mutating func event(_ event: Event) -> Action {
        switch (state, event) {
        case (.idle, .start(let now)):
            state = .awaitingChallenge(deadline: now + configuration.timeout)
            return .send(.hello(hello))
        case (.idle, .received(let message)):
            return fail(.unexpectedMessage(message.type), reply: .unexpectedMessage, "nothing expected before Hello")
        case (.idle, .tick):
            return .wait

        case (.awaitingChallenge(let deadline), .received(.challenge(let challenge))):
            guard configuration.protocolVersions.contains(challenge.protocolVersion) else {
                return fail(.unsupportedVersion(challenge.protocolVersion), reply: .unsupportedVersion, "version \(challenge.protocolVersion) was not offered")
            }
            state = .awaitingWelcome(version: challenge.protocolVersion, coordinatorNonce: challenge.coordinatorNonce, deadline: deadline)
            let proof = HandshakeProof.worker(
                secret: configuration.secret, version: challenge.protocolVersion, coordinatorNonce: challenge.coordinatorNonce,
                workerNonce: workerNonce, instanceID: configuration.instanceID)
            return .send(.authenticate(Authenticate(proof: proof)))

        case (.awaitingWelcome(let version, let coordinatorNonce, _), .received(.welcome(let welcome))):
            let expected = HandshakeProof.coordinator(
                secret: configuration.secret, version: version, coordinatorNonce: coordinatorNonce, workerNonce: workerNonce,
                instanceID: configuration.instanceID, sessionID: welcome.sessionID)
            guard HandshakeProof.matches(welcome.coordinatorProof, expected) else {
                return fail(.coordinatorNotAuthenticated, reply: .authenticationFailed, "coordinator proof does not verify")
            }
            let session = WorkerSession(
                protocolVersion: version, sessionID: welcome.sessionID,
                heartbeatInterval: .milliseconds(Int64(welcome.heartbeatIntervalMilliseconds)),
                maxFrameSize: Int(welcome.maxFrameSize), chunkWindow: Int(welcome.chunkWindow))
            state = .established(session)
            return .established(session)

        case (.awaitingChallenge, .received(let message)), (.awaitingWelcome, .received(let message)):
            switch message {
            case .reject(let reject):
                state = .failed(.rejected(reject.reason, reject.message))
                return .fail(.rejected(reject.reason, reject.message), send: nil)
            case .error(let error):
                state = .failed(.closedByPeer(error.message))
                return .fail(.closedByPeer(error.message), send: nil)
            case .goodbye(let goodbye):
                state = .failed(.closedByPeer(goodbye.reason))
                return .fail(.closedByPeer(goodbye.reason), send: nil)
            default:
                return fail(.unexpectedMessage(message.type), reply: .unexpectedMessage, "\(message.type) during the handshake")
            }

        case (.awaitingChallenge(let deadline), .tick(let now)), (.awaitingWelcome(_, _, let deadline), .tick(let now)):
            guard now >= deadline else { return .wait }
            return fail(.timeout, reply: .timeout, "handshake not finished in \(configuration.timeout)")

        case (.established, .tick), (.failed, .tick), (.failed, .received):
            return .wait
        case (.awaitingChallenge, .start), (.awaitingWelcome, .start), (.established, .start), (.failed, .start):
            preconditionFailure("WorkerHandshake started twice")
        case (.established, .received):
            preconditionFailure("WorkerHandshake fed a message after the session was established")
        }
    }

    private var hello: Hello {
        Hello(
            protocolVersions: configuration.protocolVersions, workerName: configuration.workerName,
            instanceID: configuration.instanceID, slots: configuration.slots, labels: configuration.labels,
            buildVersion: configuration.buildVersion, workerNonce: workerNonce)
    }

    private mutating func fail(_ failure: HandshakeFailure, reply code: WireErrorCode, _ detail: String) -> Action {
        state = .failed(failure)
        return .fail(failure, send: .error(ErrorMessage(code: code, message: detail)))
    }
}

/// What the worker knows once the handshake succeeded.
public struct WorkerSession: Hashable, Sendable {
    public var protocolVersion: UInt16
    public var sessionID: WireUUID
    public var heartbeatInterval: Duration
    public var maxFrameSize: Int
    public var chunkWindow: Int
}

public enum WireProtocol {
    /// The protocol version this code speaks (proto/PROTOCOL.md, "Versioning").
    public static let currentVersion: UInt16 = 1
}
