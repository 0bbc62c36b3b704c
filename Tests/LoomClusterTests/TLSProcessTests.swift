import Foundation
import LoomStore
import LoomTLS
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The worker link over TLS (issue 12) with real `loom` processes and certificates made by
/// scripts/certs: a worker with the right CA and certificate runs jobs; one with an unknown
/// certificate, an expired one, plain TCP against the TLS port, or the wrong CA is refused,
/// and both sides say why in their logs.
@Suite("TLS on the worker link, real processes", .serialized)
struct TLSProcessTests {
    /// A CA with a coordinator and worker-1 (scripts/certs all), an expired worker `old`,
    /// and a second CA in other/ with a worker `stranger` that the first CA never signed.
    struct Certificates {
        let directory: String

        static func make(in parent: String) async throws -> Certificates {
            let directory = parent + "/certs"
            for arguments in [["all", directory], ["worker", directory, "old", "--expired"],
                              ["ca", directory + "/other", "Other CA"], ["worker", directory + "/other", "stranger"]] {
                let child = try Child(["/bin/bash", Self.script] + arguments, environment: ["PATH": "/usr/bin:/bin"],
                                      name: "certs", logDirectory: parent)
                let status = await child.wait(timeout: .seconds(60))
                guard status == 0 else { throw Child.SpawnError(message: "scripts/certs \(arguments) exited \(String(describing: status)):\n\(child.log)") }
            }
            return Certificates(directory: directory)
        }

        static var script: String {
            var url = URL(fileURLWithPath: #filePath)
            for _ in 0..<3 { url.deleteLastPathComponent() }
            return url.appendingPathComponent("scripts/certs").path
        }

        func path(_ name: String) -> String { directory + "/" + name }

        /// The coordinator's flags for mutual TLS on the worker port.
        var coordinator: [String] {
            ["--tls-cert", path("coordinator.pem"), "--tls-key", path("coordinator-key.pem"), "--tls-client-ca", path("ca.pem")]
        }

        /// A worker's flags: the CA that signed the coordinator, and its own certificate.
        func worker(_ name: String, ca: String = "ca.pem") -> [String] {
            ["--tls-ca", path(ca), "--tls-cert", path(name + ".pem"), "--tls-key", path(name + "-key.pem")]
        }
    }

    /// A cluster whose coordinator requires mutual TLS, and the certificates.
    func startCluster() async throws -> (Cluster, Certificates, Store) {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        let certificates = try await Certificates.make(in: cluster.directory)
        try cluster.startCoordinator(extra: certificates.coordinator)
        return (cluster, certificates, Store(url: url))
    }

    @Test("a worker with the CA and its certificate runs jobs over mutual TLS; its certificate identity is logged and stored")
    func mutualTLSRunsJobs() async throws {
        let (cluster, certificates, store) = try await startCluster()
        defer { Task { await cluster.stopAll() } }
        try cluster.startWorker("worker-1", extra: certificates.worker("worker-1"))
        let user = try await store.user()
        var jobs: [UUID] = []
        for index in 0..<20 { jobs.append(try await store.submitBench(user: user, sleepMs: index % 3, nodes: 2, cost: 1, estimate: 2)) }
        try await eventually("all jobs completed over TLS", cluster: cluster) {
            try await store.count("SELECT count(*) FROM jobs WHERE status = 'completed'") == jobs.count
        }
        let identity = try await store.pool.withConnection { connection in
            try connection.query("SELECT certificate_identity FROM workers WHERE name = 'worker-1'")[0].decode(0, as: String?.self)
        }
        #expect(identity == "CN=worker-1 SAN=worker-1")
        let log = try #require(cluster.coordinator).log
        #expect(log.contains("worker certificate verified"))
        #expect(log.contains("identity=CN=worker-1 SAN=worker-1"))
        #expect(log.contains("tls=mutual"))
        await cluster.stopAll()
    }

    /// Starts `worker` with `flags` and waits until both logs hold their refusal; no worker
    /// may have registered.
    func expectRefused(
        worker name: String, flags: [String], coordinatorSays: String, workerSays: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let (cluster, certificates, store) = try await startCluster()
        defer { Task { await cluster.stopAll() } }
        let worker = try cluster.startWorker(name, extra: flags.map { $0.replacingOccurrences(of: "CERTS", with: certificates.directory) })
        try await eventually("the coordinator logs: \(coordinatorSays)", timeout: .seconds(30), cluster: cluster) {
            cluster.coordinator?.log.contains(coordinatorSays) == true
        }
        try await eventually("the worker logs: \(workerSays)", timeout: .seconds(30), cluster: cluster) {
            worker.log.contains(workerSays)
        }
        #expect(try await store.count("SELECT count(*) FROM workers") == 0, sourceLocation: sourceLocation)
        await cluster.stopAll()
    }

    @Test("a worker certificate from another CA is refused; both sides say so")
    func unknownCertificate() async throws {
        try await expectRefused(
            worker: "stranger",
            flags: ["--tls-ca", "CERTS/ca.pem", "--tls-cert", "CERTS/other/stranger.pem", "--tls-key", "CERTS/other/stranger-key.pem"],
            coordinatorSays: "presented an unknown or expired certificate: not signed by the CA in",
            workerSays: "stranger.pem: it is not signed by the coordinator's client CA")
    }

    @Test("an expired worker certificate is refused; both sides say so")
    func expiredCertificate() async throws {
        try await expectRefused(
            worker: "old", flags: ["--tls-ca", "CERTS/ca.pem", "--tls-cert", "CERTS/old.pem", "--tls-key", "CERTS/old-key.pem"],
            coordinatorSays: "presented an unknown or expired certificate",
            workerSays: "old.pem: it has expired")
    }

    @Test("a plain TCP worker against the TLS port is refused; both sides say so")
    func plainAgainstTLS() async throws {
        try await expectRefused(
            worker: "plain", flags: [],
            coordinatorSays: "spoke plain TCP to this TLS worker port; refused",
            workerSays: "this coordinator's worker port requires TLS: start the worker with --tls-ca")
    }

    @Test("a worker that trusts another CA refuses the coordinator's certificate; both sides say so")
    func wrongCA() async throws {
        try await expectRefused(
            worker: "worker-1",
            flags: ["--tls-ca", "CERTS/other/ca.pem", "--tls-cert", "CERTS/worker-1.pem", "--tls-key", "CERTS/worker-1-key.pem"],
            coordinatorSays: "refused this coordinator's certificate",
            workerSays: "the coordinator's certificate is not signed by the CA in")
    }

    @Test("a TLS worker against a plain worker port is refused; both sides say so")
    func tlsAgainstPlain() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let certificates = try await Certificates.make(in: cluster.directory)
        try cluster.startCoordinator()
        let worker = try cluster.startWorker("worker-1", extra: certificates.worker("worker-1"))
        try await eventually("the coordinator logs the refusal", timeout: .seconds(30), cluster: cluster) {
            cluster.coordinator?.log.contains("started a TLS handshake, but this worker port is plain TCP") == true
        }
        try await eventually("the worker logs the refusal", timeout: .seconds(30), cluster: cluster) {
            worker.log.contains("did not answer in TLS: its worker port is plain TCP")
        }
        await cluster.stopAll()
    }

    @Test("plain TCP on a worker port off the loopback is refused at start unless the operator accepts it")
    func plainOffLoopback() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        try cluster.startCoordinator(extra: ["--host", "0.0.0.0"])
        let coordinator = try #require(cluster.coordinator)
        let status = await coordinator.wait(timeout: .seconds(30))
        #expect(status != nil && status != 0)
        #expect(coordinator.log.contains("is not a loopback address and TLS is off"))
        #expect(coordinator.log.contains("--insecure-plain-tcp"))
        // The policy itself: loopback names and addresses only.
        for host in ["127.0.0.1", "127.8.9.10", "::1", "localhost"] { #expect(PlainTCPPolicy.isLoopback(host), "\(host)") }
        for host in ["0.0.0.0", "10.1.2.3", "::", "coordinator.example"] { #expect(!PlainTCPPolicy.isLoopback(host), "\(host)") }
        #expect(PlainTCPPolicy.refusal(host: "0.0.0.0", usesTLS: false, accepted: true, role: "x") == nil)
        #expect(PlainTCPPolicy.refusal(host: "0.0.0.0", usesTLS: true, accepted: false, role: "x") == nil)
        await cluster.stopAll()
    }

    @Test("SIGHUP rotates the coordinator's certificate for new connections; a job running across it is not dropped")
    func rotateOnHangup() async throws {
        let (cluster, certificates, store) = try await startCluster()
        defer { Task { await cluster.stopAll() } }
        try cluster.startWorker("worker-2", slots: 1, extra: certificates.worker("worker-2"))
        let user = try await store.user()
        let job = try await store.submitBench(user: user, sleepMs: 3_000, nodes: 1)
        try await eventually("the job runs", cluster: cluster) { try await store.status(job) == .running }
        // A coordinator certificate from another CA, moved over the files the coordinator reads.
        let other = certificates.path("other")
        let child = try Child(["/bin/bash", Certificates.script, "coordinator", other], environment: ["PATH": "/usr/bin:/bin"],
                              name: "certs-rotate", logDirectory: cluster.directory)
        #expect(await child.wait(timeout: .seconds(60)) == 0)
        for file in ["coordinator.pem", "coordinator-key.pem"] { #expect(rename(other + "/" + file, certificates.path(file)) == 0) }
        let coordinator = try #require(cluster.coordinator)
        coordinator.signal(SIGHUP)
        try await eventually("the coordinator reloads", cluster: cluster) {
            coordinator.log.contains("SIGHUP: certificate files reloaded for new connections")
        }
        // A new worker that trusts only the new CA connects; the old session goes on.
        try cluster.startWorker("worker-1", extra: certificates.worker("worker-1", ca: "other/ca.pem"))
        try await eventually("the new worker registers", cluster: cluster) {
            try await store.count("SELECT count(*) FROM workers WHERE state = 'active'") == 2
        }
        try await eventually("the job completes", cluster: cluster) { try await store.status(job) == .completed }
        #expect(try #require(try await store.queue.job(job)).attempt == 1)
        // worker-2 kept the session it had before the rotation (it connected once).
        #expect(try #require(cluster.workers["worker-2"]).log.components(separatedBy: "connected to the coordinator").count == 2)
        await cluster.stopAll()
    }

    @Test("a missing or mismatched certificate file stops the coordinator at start with the file's name")
    func badFiles() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        let certificates = try await Certificates.make(in: cluster.directory)
        try cluster.startCoordinator(extra: ["--tls-cert", certificates.path("coordinator.pem"), "--tls-key", certificates.path("worker-1-key.pem")])
        let coordinator = try #require(cluster.coordinator)
        #expect(await coordinator.wait(timeout: .seconds(30)).map { $0 != 0 } == true)
        #expect(coordinator.log.contains("worker-1-key.pem"))
        #expect(throws: TLSFileError.self) { try WorkerPortTLS(.init(certificate: certificates.path("missing.pem"), key: certificates.path("coordinator-key.pem"))) }
        await cluster.stopAll()
    }
}
