import ArgumentParser
import Foundation
import Logging
import LoomTLS
import LoomWorker
import ServiceLifecycle
import UnixSignals

/// `loom worker`: connects to a coordinator and runs jobs.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: connect to a coordinator and run its jobs (SIGTERM drains it, then it exits 0)."
    )

    @Option(help: "The coordinator, HOST:PORT.") var coordinator: String
    @OptionGroup var secret: SecretOptions
    @OptionGroup(title: "TLS (deploy/TLS.md)") var tls: WorkerTLSOptions
    @Option(help: "Jobs run at once.") var slots = 10
    @Option(help: "This worker's name (default: host name and process id).") var name: String?
    @Option(name: .customLong("label"), help: "A label KEY=VALUE (repeatable).") var labels: [String] = []
    @Option(name: .customLong("drain-grace"), help: "Seconds running jobs get to finish when draining.") var drainGrace = 30.0
    @Option(name: .customLong("lease-ttl"), help: "Seconds without an answered heartbeat after which jobs are stopped.") var leaseTTL = 10.0
    @OptionGroup var log: LogOptions

    func run() async throws {
        let logger = try log.bootstrap(label: "loom.worker")
        guard let colon = coordinator.lastIndex(of: ":"), let port = Int(coordinator[coordinator.index(after: colon)...]) else {
            throw ValidationError("--coordinator must be HOST:PORT")
        }
        guard (1...1024).contains(slots) else { throw ValidationError("--slots must be 1 to 1024") }
        let workerName = name ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        var configuration = WorkerConfiguration(
            coordinatorHost: String(coordinator[..<colon]), coordinatorPort: port, secret: try secret.load(), name: workerName)
        configuration.tls = try tls.link(host: String(coordinator[..<colon]))
        configuration.slots = slots
        configuration.drainGrace = .milliseconds(Int64(drainGrace * 1000))
        configuration.leaseTTL = .milliseconds(Int64(leaseTTL * 1000))
        configuration.buildVersion = "loom \(Loom.version)"
        for label in labels {
            let parts = label.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ValidationError("--label must be KEY=VALUE, got \(label)") }
            configuration.labels[String(parts[0])] = String(parts[1])
        }
        let worker = Worker(configuration: configuration, runner: makeWorkflowRunner(), logger: logger)
        var services: [any Service] = [worker]
        if let link = configuration.tls { services.append(TLSReloader(reload: { try link.reload() }, logger: logger)) }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
