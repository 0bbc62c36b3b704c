import NIOSSL

/// A TLS connection that did not come about, told from one side in words that say what to
/// fix. BoringSSL's errors name a reason code; this names the file, the peer and the flag.
public struct TLSRefusal: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// What one side knows when a handshake fails: who the peer is and which files it uses.
enum RefusalContext: Sendable {
    case coordinator(peer: String, files: WorkerPortTLS.Files)
    case worker(host: String, port: Int, files: CoordinatorLinkTLS.Files)

    /// The refusal for a BoringSSL or NIOSSL error; nil when it is no TLS failure.
    func refusal(for error: any Error) -> TLSRefusal? {
        guard error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError else { return nil }
        let reason = String(describing: error)
        let has = { (code: String) in reason.contains(code) }
        switch self {
        case .coordinator(let peer, let files):
            let ca = files.clientCA ?? "(none)"
            if has("CERTIFICATE_VERIFY_FAILED") {
                return TLSRefusal(description: "worker at \(peer) presented an unknown or expired certificate: not signed by the CA in \(ca), or out of its validity dates; refused")
            }
            if has("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
                return TLSRefusal(description: "worker at \(peer) presented no certificate, but this worker port requires one signed by the CA in \(ca); refused")
            }
            if has("UNKNOWN_CA") || has("BAD_CERTIFICATE") || has("CERTIFICATE_EXPIRED") {
                return TLSRefusal(description: "worker at \(peer) refused this coordinator's certificate \(files.certificate) (its --tls-ca is not the CA that signed it, or the certificate expired)")
            }
            if has("PROTOCOL_VERSION") || has("UNSUPPORTED_PROTOCOL") {
                return TLSRefusal(description: "worker at \(peer) does not speak TLS 1.3; refused")
            }
            return TLSRefusal(description: "TLS with worker at \(peer) failed: \(reason)")
        case .worker(let host, let port, let files):
            let coordinator = "\(host):\(port)"
            let mine = files.certificate ?? "(none)"
            if has("CERTIFICATE_VERIFY_FAILED") {
                return TLSRefusal(description: "the coordinator's certificate is not signed by the CA in \(files.ca), or it has expired; refused the coordinator at \(coordinator)")
            }
            if error is NIOSSLExtraError, has("ostname") {
                return TLSRefusal(description: "the coordinator's certificate at \(coordinator) does not name \(files.serverName ?? host); refused (pass --tls-server-name with a name it holds)")
            }
            if has("CERTIFICATE_EXPIRED") {
                return TLSRefusal(description: "the coordinator at \(coordinator) refused this worker's certificate \(mine): it has expired")
            }
            if has("UNKNOWN_CA") || has("BAD_CERTIFICATE") || has("DECRYPT_ERROR") {
                return TLSRefusal(description: "the coordinator at \(coordinator) refused this worker's certificate \(mine): it is not signed by the coordinator's client CA")
            }
            if has("CERTIFICATE_REQUIRED") || (files.certificate == nil && has("HANDSHAKE_FAILURE")) {
                return TLSRefusal(description: "the coordinator at \(coordinator) requires a worker certificate (mutual TLS): pass --tls-cert and --tls-key")
            }
            if has("WRONG_VERSION_NUMBER") || has("EOF during handshake") || has("uncleanShutdown") {
                return TLSRefusal(description: "the coordinator at \(coordinator) did not answer in TLS: its worker port is plain TCP (start it with --tls-cert and --tls-key, or this worker without --tls-ca)")
            }
            return TLSRefusal(description: "TLS with the coordinator at \(coordinator) failed: \(reason)")
        }
    }
}
