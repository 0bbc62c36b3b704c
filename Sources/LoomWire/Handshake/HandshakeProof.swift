import Crypto

/// The cluster's shared secret. It never crosses the wire: each side proves it holds it
/// with HMAC-SHA256 over both sides' nonces (proto/PROTOCOL.md, "Authentication").
public struct ClusterSecret: Sendable {
    public static let minimumLength = 16
    // SymmetricKey is not Sendable here; the bytes are, and a key is cheap to rebuild.
    private let bytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// At least 16 bytes; 32 random bytes is the recommended secret.
    public init(_ bytes: [UInt8]) throws(WireError) {
        guard bytes.count >= Self.minimumLength else {
            throw WireError(.invalidValue, field: "secret", "a cluster secret needs at least \(Self.minimumLength) bytes")
        }
        self.bytes = bytes
    }

    /// The UTF-8 bytes of a passphrase (for example from LOOM_CLUSTER_SECRET).
    public init(passphrase: String) throws(WireError) {
        try self.init(Array(passphrase.utf8))
    }
}

/// The two HMAC-SHA256 proofs of the handshake. Each binds the protocol version, both
/// nonces and the worker's instance id, and is labelled by direction so that one side's
/// proof can never be replayed as the other's.
enum HandshakeProof {
    static let workerLabel = Array("loom-worker-proof-v1".utf8)
    static let coordinatorLabel = Array("loom-coordinator-proof-v1".utf8)

    static func worker(secret: ClusterSecret, version: UInt16, coordinatorNonce: Bytes32, workerNonce: Bytes32, instanceID: WireUUID) -> Bytes32 {
        mac(secret, workerLabel + bytes(version) + coordinatorNonce.bytes + workerNonce.bytes + instanceID.bytes)
    }

    static func coordinator(
        secret: ClusterSecret, version: UInt16, coordinatorNonce: Bytes32, workerNonce: Bytes32, instanceID: WireUUID, sessionID: WireUUID
    ) -> Bytes32 {
        mac(secret, coordinatorLabel + bytes(version) + workerNonce.bytes + coordinatorNonce.bytes + instanceID.bytes + sessionID.bytes)
    }

    /// Constant-time comparison.
    static func matches(_ proof: Bytes32, _ expected: Bytes32) -> Bool {
        var difference: UInt8 = 0
        for (left, right) in zip(proof.bytes, expected.bytes) { difference |= left ^ right }
        return difference == 0
    }

    private static func mac(_ secret: ClusterSecret, _ message: [UInt8]) -> Bytes32 {
        Bytes32(uncheckedBytes: Array(HMAC<SHA256>.authenticationCode(for: message, using: secret.key)))
    }

    private static func bytes(_ version: UInt16) -> [UInt8] { [UInt8(version >> 8), UInt8(version & 0xFF)] }
}

/// Why a handshake ended without a session.
public enum HandshakeFailure: Hashable, Sendable, CustomStringConvertible {
    /// The coordinator refused us (worker side) or we refused the worker (coordinator side).
    case rejected(Reject.Reason, String)
    /// The coordinator's proof did not verify: it does not hold the cluster secret.
    case coordinatorNotAuthenticated
    /// The peer sent a message that has no place at this point of the handshake.
    case unexpectedMessage(MessageType)
    /// The peer chose a version we did not offer.
    case unsupportedVersion(UInt16)
    /// The handshake did not finish before its deadline.
    case timeout
    /// The peer sent Error or Goodbye.
    case closedByPeer(String)

    public var description: String {
        switch self {
        case .rejected(let reason, let message): "rejected (\(reason)): \(message)"
        case .coordinatorNotAuthenticated: "the coordinator failed to prove it holds the cluster secret"
        case .unexpectedMessage(let type): "unexpected \(type) during the handshake"
        case .unsupportedVersion(let version): "the coordinator chose version \(version), which this worker does not speak"
        case .timeout: "handshake timed out"
        case .closedByPeer(let reason): "peer closed the handshake: \(reason)"
        }
    }
}
