import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// The coordinator's end of a worker connection, before the frame handlers: TLS when
    /// configured; on a plain port, a probe that turns TLS clients away with a clear reason.
    public func addWorkerPortSecurity(_ tls: WorkerPortTLS?, peer: String) throws {
        guard let tls else {
            try addHandler(PlainOrTLSProbe.onPlainPort(peer: peer))
            return
        }
        try addHandler(PlainOrTLSProbe.onTLSPort(peer: peer))
        try addHandler(tls.makeHandler())
        try addHandler(TLSWriteSlicer())
        try addHandler(TLSRefusalTranslator(.coordinator(peer: peer, files: tls.files)))
    }

    /// The worker's end of the link to the coordinator at `host`, before the frame handlers.
    public func addCoordinatorLinkSecurity(_ tls: CoordinatorLinkTLS?, host: String, port: Int) throws {
        guard let tls else { return }
        try addHandler(tls.makeHandler(host: host))
        try addHandler(TLSWriteSlicer())
        try addHandler(TLSRefusalTranslator(.worker(host: host, port: port, files: tls.files)))
    }
}
