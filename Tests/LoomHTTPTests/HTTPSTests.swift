import Foundation
import Hummingbird
import HummingbirdTesting
import LoomHTTP
import LoomStore
import LoomTLS
import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The HTTP API over HTTPS and its live stream over WSS (issue 12), with a certificate
/// from scripts/certs and clients that trust only its CA.
@Suite("HTTPS and WSS")
struct HTTPSTests {
    @Test("over HTTPS the admin API shows a worker's certificate identity, a client follows a job over WSS, and plain HTTP gets no answer")
    func httpsAndWSS() async throws {
        let certificates = try await makeCertificates()
        var configuration = APIConfiguration()
        configuration.tls = try HTTPSFiles(
            certificate: certificates + "/coordinator.pem", key: certificates + "/coordinator-key.pem").serverConfiguration()
        let server = try await APITestServer.start(configuration: configuration)
        defer { Task { await server.stop() } }
        let port = try #require(server.baseURL.split(separator: ":").last.flatMap { Int($0) })
        var client = TLSConfiguration.makeClientConfiguration()
        client.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates + "/ca.pem"))

        var registration = WorkerRegistration(instanceID: UUID(), name: "worker-1", host: "127.0.0.1", capacity: 2)
        registration.certificateIdentity = "CN=worker-1 SAN=worker-1"
        try await Workers(pool: server.services.pool).register(registration)
        let adminToken = server.adminToken
        let workers = try await TestClient.withClient(
            host: "127.0.0.1", port: port, configuration: .init(tlsConfiguration: client, serverName: "localhost")
        ) { client in
            try await client.get("/api/admin/workers", headers: [.authorization: "Bearer \(adminToken)"])
        }
        #expect(workers.head.status == .ok)
        let body = Data(String(buffer: try #require(workers.body)).utf8)
        let listed = try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
        let identity = listed.first?["certificate_identity"] as? String
        #expect(identity == "CN=worker-1 SAN=worker-1")

        // A job's events, followed over WSS.
        let worker = FakeWorker(queue: server.services.queue)
        let lease = try await worker.startJob(for: server.alice.user.id)
        try await worker.emit(lease, count: 3)
        try await worker.complete(lease)
        // `StreamClient` over TLS, as `loom watch` follows a job on an HTTPS server.
        let types = Types()
        let ending = try await StreamClient.read(
            "wss://127.0.0.1:\(port)/api/workflows/\(lease.jobID.uuidString.lowercased())/stream",
            headers: [("Authorization", "Bearer \(server.alice.token)")],
            tls: try NIOSSLContext(configuration: client), serverHostname: "localhost"
        ) { text in
            let event = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            types.append(event?["type"] as? String ?? "?")
            return true
        }
        #expect(types.all == ["job_started", "node_progress", "node_progress", "node_progress", "job_completed"])
        #expect(ending.closeCode == .normalClosure)

        // Plain HTTP on the HTTPS port is never answered with data.
        await #expect(throws: (any Error).self) {
            try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(5))) { client in
                try await client.get("/healthz")
            }
        }
        await server.stop()
    }

    /// scripts/certs all, into a new temporary folder.
    func makeCertificates() async throws -> String {
        let directory = NSTemporaryDirectory() + "loom-https-" + UUID().uuidString.prefix(8)
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let arguments = ["/bin/bash", url.appendingPathComponent("scripts/certs").path, "all", directory]
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, arguments[0], nil, nil, argv, environ) == 0 else { throw TestSetupError("cannot run scripts/certs") }
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        guard status == 0 else { throw TestSetupError("scripts/certs exited with status \(status)") }
        return directory
    }

    final class Types: @unchecked Sendable {
        private let lock = NSLock()
        private var types: [String] = []
        func append(_ type: String) { lock.withLock { types.append(type) } }
        var all: [String] { lock.withLock { types } }
    }
}
