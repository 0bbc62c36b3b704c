import ArgumentParser
import Foundation
import Logging
import LoomCoordinator
import LoomHTTP
import LoomStore
import LoomTLS
import LoomWire
import ServiceLifecycle
import UnixSignals

/// `loom coordinator`: the worker server, dispatcher and reaper on one database.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a coordinator: lease jobs to workers over TCP and serve the HTTP API (SIGTERM stops it gracefully)."
    )

    /// Without a URL: a private PostgreSQL cluster under the data folder.
    @OptionGroup var database: DatabaseOptions
    @Option(name: .customLong("data-dir"), help: "Without a database URL, the coordinator runs a PostgreSQL of its own in this folder (default: /var/lib/loom as root, ~/.local/share/loom otherwise).")
    var dataDirectory: String?
    @Option(help: "Address to listen on for workers.") var host = "127.0.0.1"
    @Option(help: "Port to listen on for workers (0: any free port, printed at start).") var port = 7420
    @OptionGroup var secret: SecretOptions
    @OptionGroup(title: "TLS (deploy/TLS.md)") var tls: CoordinatorTLSOptions
    @Option(name: .customLong("lease-ttl"), help: "Seconds a lease lasts without a heartbeat.") var leaseTTL = 10.0
    @Option(name: .customLong("heartbeat"), help: "Seconds between worker heartbeats.") var heartbeat = 2.0
    @Option(name: .customLong("per-user-cap"), help: "Jobs one user may run at once (0: no cap).") var perUserCap = 0
    @Option(name: .customLong("pool-size"), help: "PostgreSQL connections.") var poolSize = 8
    @Option(name: .customLong("http-host"), help: "Address the HTTP API listens on.") var httpHost = "127.0.0.1"
    @Option(name: .customLong("http-port"), help: "Port of the HTTP API, the WebSocket stream and the dashboard.") var httpPort = 8080
    @Option(name: .customLong("max-upload-mb"), help: "Largest CSV upload accepted, in MiB.") var maxUploadMiB = 256
    @Flag(help: "Apply the schema migrations first.") var migrate = false
    @Flag(name: .customLong("no-samples"), help: "Do not install the bundled sample datasets.") var noSamples = false
    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.bootstrap(label: "loom.coordinator")
        if let url = database.url {
            try await serve(databaseURL: url, migrate: migrate, logger: logger)
            return
        }
        let database = try EmbeddedPostgres(folder: embeddedFolder())
        logger.info("starting the embedded PostgreSQL", metadata: ["folder": "\(database.folder.path)"])
        try database.start()
        do {
            try await serve(databaseURL: database.url, migrate: true, logger: logger)
        } catch {
            try? database.stop()
            throw error
        }
        try database.stop()
        logger.info("stopped the embedded PostgreSQL")
    }

    private func embeddedFolder() -> URL {
        if let folder = dataDirectory {
            return URL(fileURLWithPath: folder).appendingPathComponent("postgres")
        }
        if geteuid() == 0 { return URL(fileURLWithPath: "/var/lib/loom/postgres") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share/loom/postgres")
    }

    private func serve(databaseURL url: String, migrate: Bool, logger: Logger) async throws {
        if migrate {
            let pool = PostgresPool(.init(url: url, size: 1, applicationName: "loom-migrate"))
            _ = try await Migrator.bundled().migrate(pool)
            await pool.close()
        }
        var configuration = CoordinatorConfiguration(secret: try secret.load(), databaseURL: url)
        configuration.host = host
        configuration.port = port
        configuration.tls = try tls.workerPort(host: host)
        configuration.leaseTTL = .milliseconds(Int64(leaseTTL * 1000))
        configuration.heartbeatInterval = .milliseconds(Int64(heartbeat * 1000))
        configuration.perUserConcurrency = perUserCap
        configuration.poolSize = poolSize
        let coordinator = Coordinator(configuration: configuration, logger: logger)

        var api = APIConfiguration()
        api.host = httpHost
        api.port = httpPort
        api.maxUpload = Int64(maxUploadMiB) << 20
        api.tls = try tls.https?.serverConfiguration()
        let services = APIServices(pool: PostgresPool(.init(url: url, size: 4, applicationName: "loom-http")))
        if !noSamples {
            let installed = try await SampleInstaller.install(into: services.datasets)
            if !installed.isEmpty { logger.info("installed the sample datasets", metadata: ["samples": "\(installed.joined(separator: ", "))"]) }
        }
        let httpAddress = (api.tls == nil ? "http://" : "https://") + api.host
        let http = APIServer(configuration: api, services: services).application(logger: Logger(label: "loom.http")) { port in
            logger.info("HTTP API listening", metadata: ["address": "\(httpAddress):\(port)"])
        }
        var lifecycle: [any Service] = [coordinator, http]
        if let workerPort = configuration.tls { lifecycle.append(TLSReloader(reload: { try workerPort.reload() }, logger: logger)) }
        let group = ServiceGroup(
            configuration: .init(services: lifecycle, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The cluster secret, from a file or the environment; never from the command line,
/// where `ps` would show it.
struct SecretOptions: ParsableArguments {
    @Option(name: .customLong("secret-file"), help: "File holding the cluster secret (default: $LOOM_CLUSTER_SECRET).")
    var secretFile: String?

    func load() throws -> ClusterSecret {
        var text: String?
        if let secretFile {
            text = try String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            text = ProcessInfo.processInfo.environment["LOOM_CLUSTER_SECRET"]
        }
        guard let text, !text.isEmpty else { throw ValidationError("no cluster secret: pass --secret-file or set LOOM_CLUSTER_SECRET") }
        do {
            return try ClusterSecret(passphrase: text)
        } catch {
            throw ValidationError("cluster secret: \(error)")
        }
    }
}
