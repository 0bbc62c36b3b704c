import NIOCore

/// Plain TCP is for one machine: datasets, models and tokens must not cross a network in
/// clear. A worker port or a coordinator address off the loopback needs TLS, or the
/// operator's explicit acceptance (`--insecure-plain-tcp`).
public enum PlainTCPPolicy {
    /// Why plain TCP to or on `host` is refused; nil when it is allowed.
    public static func refusal(host: String, usesTLS: Bool, accepted: Bool, role: String) -> String? {
        guard !usesTLS, !accepted, !isLoopback(host) else { return nil }
        return "\(role) \(host) is not a loopback address and TLS is off: pass the TLS files (see deploy/TLS.md), "
            + "or --insecure-plain-tcp to accept that jobs, datasets and tokens cross the network in clear"
    }

    /// 127.0.0.0/8, ::1 and the name localhost; any other name could resolve off the machine.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return false }
        switch address {
        case .v4: return address.ipAddress?.hasPrefix("127.") == true
        case .v6: return host == "::1" || host == "0:0:0:0:0:0:0:1"
        case .unixDomainSocket: return true
        }
    }
}
