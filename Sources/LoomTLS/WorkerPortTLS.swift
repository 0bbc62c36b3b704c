import NIOCore
import NIOSSL

/// The coordinator's worker port over TLS 1.3: its certificate chain and key, and with a
/// client CA, mutual TLS (every worker must present a certificate that CA signed; its
/// identity is logged and stored with the worker).
public struct WorkerPortTLS: Sendable {
    public struct Files: Sendable, Equatable {
        /// PEM: the coordinator's certificate, then any intermediates.
        public var certificate: String
        public var key: String
        /// PEM: the CA that signs worker client certificates; nil: workers need none.
        public var clientCA: String?

        public init(certificate: String, key: String, clientCA: String? = nil) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
        }
    }

    private let source: ReloadableContext<Files>

    /// Loads and checks the files now, so that a bad file stops the coordinator at start.
    public init(_ files: Files) throws {
        source = try ReloadableContext(files: files) { try Self.context($0) }
    }

    public var files: Files { source.files }
    public var requiresClientCertificates: Bool { files.clientCA != nil }

    /// Reads the files again for the connections that come next (SIGHUP).
    public func reload() throws { try source.reload() }

    func makeHandler() -> NIOSSLServerHandler { NIOSSLServerHandler(context: source.context) }

    static func context(_ files: Files) throws -> NIOSSLContext {
        let chain = try PEMFiles.certificates(files.certificate, what: "the coordinator's certificate")
        let key = try PEMFiles.privateKey(files.key, what: "the coordinator's key")
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv13
        if let clientCA = files.clientCA {
            // The worker's name is its certificate's to say; there is no host name to check.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try PEMFiles.certificates(clientCA, what: "the client CA"))
        }
        return try TLSContextFactory.make(configuration, certificate: files.certificate, key: files.key)
    }
}

/// The worker's side of the link: the CA that signed the coordinator's certificate, and
/// for mutual TLS the worker's own certificate and key.
public struct CoordinatorLinkTLS: Sendable {
    public struct Files: Sendable, Equatable {
        public var ca: String
        public var certificate: String?
        public var key: String?
        /// The name the coordinator's certificate must hold; nil: the host connected to.
        public var serverName: String?

        public init(ca: String, certificate: String? = nil, key: String? = nil, serverName: String? = nil) {
            self.ca = ca
            self.certificate = certificate
            self.key = key
            self.serverName = serverName
        }
    }

    private let source: ReloadableContext<Files>

    public init(_ files: Files) throws {
        guard (files.certificate == nil) == (files.key == nil) else {
            throw TLSFileError(path: files.certificate ?? files.key ?? "", problem: "a client certificate needs its key, and a key its certificate")
        }
        source = try ReloadableContext(files: files) { try Self.context($0) }
    }

    public var files: Files { source.files }

    public func reload() throws { try source.reload() }

    /// A handler for one connection to `host`. An IP address is checked against the
    /// certificate's IP names (and sent without SNI, which carries names only).
    func makeHandler(host: String) throws -> NIOSSLClientHandler {
        let name = files.serverName ?? host
        return try NIOSSLClientHandler(context: source.context, serverHostname: IPAddressText.isIPAddress(name) ? nil : name)
    }

    static func context(_ files: Files) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.trustRoots = .certificates(try PEMFiles.certificates(files.ca, what: "the CA file"))
        if let certificate = files.certificate, let key = files.key {
            configuration.certificateChain = try PEMFiles.certificates(certificate, what: "the worker's certificate").map { .certificate($0) }
            configuration.privateKey = .privateKey(try PEMFiles.privateKey(key, what: "the worker's key"))
        }
        return try TLSContextFactory.make(configuration, certificate: files.certificate, key: files.key)
    }
}

enum TLSContextFactory {
    /// BoringSSL refuses a key that does not belong to the certificate; say which files.
    static func make(_ configuration: TLSConfiguration, certificate: String?, key: String?) throws -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFileError(
                path: key ?? certificate ?? "", problem: "cannot build a TLS context (is this the key of \(certificate ?? "the certificate")?): \(error)")
        }
    }
}

enum IPAddressText {
    static func isIPAddress(_ text: String) -> Bool {
        (try? SocketAddress(ipAddress: text, port: 0)) != nil
    }
}
