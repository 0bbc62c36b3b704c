import NIOSSL

/// The HTTP API's certificate and key: with them it serves HTTPS, and its live stream WSS.
public struct HTTPSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }

    /// Read now: a bad file stops the coordinator at start, not at the first request.
    public func serverConfiguration() throws -> TLSConfiguration {
        let chain = try PEMFiles.certificates(certificate, what: "the HTTP API's certificate")
        let key = try PEMFiles.privateKey(key, what: "the HTTP API's key")
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv13
        _ = try TLSContextFactory.make(configuration, certificate: certificate, key: self.key)
        return configuration
    }
}
