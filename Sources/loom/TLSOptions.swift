import ArgumentParser
import Logging
import LoomTLS
import ServiceLifecycle
import UnixSignals

/// `loom coordinator`'s TLS flags: the worker port, the HTTP API, and the acceptance of
/// plain TCP off the loopback.
struct CoordinatorTLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: "PEM certificate (then chain) of the worker port: TLS 1.3 on it.")
    var certificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var key: String?
    @Option(name: .customLong("tls-client-ca"), help: "PEM CA that signs worker certificates: mutual TLS, every worker must present one.")
    var clientCA: String?
    @Option(name: .customLong("http-tls-cert"), help: "PEM certificate of the HTTP API: HTTPS and WSS (default: plain HTTP).")
    var httpCertificate: String?
    @Option(name: .customLong("http-tls-key"), help: "PEM private key of --http-tls-cert.")
    var httpKey: String?
    @Flag(name: .customLong("insecure-plain-tcp"), help: "Accept plain TCP on a worker port that is not on the loopback.")
    var insecurePlainTCP = false

    /// The worker port's TLS, or nil for plain TCP where that is allowed.
    func workerPort(host: String) throws -> WorkerPortTLS? {
        var tls: WorkerPortTLS?
        switch (certificate, key) {
        case (let certificate?, let key?): tls = try WorkerPortTLS(.init(certificate: certificate, key: key, clientCA: clientCA))
        case (nil, nil): guard clientCA == nil else { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key") }
        default: throw ValidationError("--tls-cert and --tls-key go together")
        }
        if let refusal = PlainTCPPolicy.refusal(host: host, usesTLS: tls != nil, accepted: insecurePlainTCP, role: "the worker port's address") {
            throw ValidationError(refusal)
        }
        return tls
    }

    var https: HTTPSFiles? {
        get throws {
            switch (httpCertificate, httpKey) {
            case (let certificate?, let key?): return HTTPSFiles(certificate: certificate, key: key)
            case (nil, nil): return nil
            default: throw ValidationError("--http-tls-cert and --http-tls-key go together")
            }
        }
    }
}

/// `loom worker`'s TLS flags.
struct WorkerTLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-ca"), help: "PEM CA that signed the coordinator's certificate: TLS 1.3 to the coordinator.")
    var ca: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate of this worker, for a coordinator that requires one (mutual TLS).")
    var certificate: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var key: String?
    @Option(name: .customLong("tls-server-name"), help: "The name the coordinator's certificate holds (default: the host of --coordinator).")
    var serverName: String?
    @Flag(name: .customLong("insecure-plain-tcp"), help: "Accept plain TCP to a coordinator that is not on the loopback.")
    var insecurePlainTCP = false

    func link(host: String) throws -> CoordinatorLinkTLS? {
        var tls: CoordinatorLinkTLS?
        if let ca {
            tls = try CoordinatorLinkTLS(.init(ca: ca, certificate: certificate, key: key, serverName: serverName))
        } else if certificate != nil || key != nil || serverName != nil {
            throw ValidationError("--tls-cert, --tls-key and --tls-server-name need --tls-ca")
        }
        if let refusal = PlainTCPPolicy.refusal(host: host, usesTLS: tls != nil, accepted: insecurePlainTCP, role: "the coordinator's address") {
            throw ValidationError(refusal)
        }
        return tls
    }
}

/// Rereads certificate files on SIGHUP: connections made after it use the new files,
/// connections already up keep theirs. A file that fails to load leaves the old ones in use.
struct TLSReloader: Service {
    let reload: @Sendable () throws -> Void
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                try reload()
                logger.info("SIGHUP: certificate files reloaded for new connections")
            } catch {
                logger.error("SIGHUP: certificate files not reloaded, the previous ones stay in use: \(error)")
            }
        }
    }
}
