import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The `loom` binary's process-level behaviour: the embedded PostgreSQL default,
/// configuration from `LOOM_*` variables, and JSON logs.
@Suite(.serialized)
struct CommandLineProcessTests {
    /// A folder the `postgres` user can reach (it owns the embedded cluster when we are root).
    private func reachableFolder() throws -> String {
        let folder = "/tmp/loom-cli-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return folder
    }

    private func get(_ url: String, token: String? = nil) async -> (Int, Data)? {
        var request = URLRequest(url: URL(string: url)!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// Runs `loom ARGS` to completion and returns its exit status and output.
    private func loom(_ arguments: [String], environment: [String: String], in folder: String) async throws -> (Int32?, String) {
        let name = "loom-\(UUID().uuidString.prefix(6))"
        let child = try Child([Cluster.binary] + arguments, environment: environment, name: name, logDirectory: folder)
        let status = await child.wait(timeout: .seconds(60))
        return (status, child.log)
    }

    @Test("with no database URL the coordinator runs a private PostgreSQL of its own, keeps its data across restarts, and stops it on SIGTERM")
    func embeddedDatabase() async throws {
        let folder = try reachableFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let httpPort = Cluster.freePort()
        // Everything but the data folder comes from LOOM_* variables, as a systemd
        // environment file would give it.
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": "/tmp", "LOOM_CLUSTER_SECRET": Cluster.secret,
            "LOOM_PORT": "\(Cluster.freePort())", "LOOM_HTTP_PORT": "\(httpPort)", "LOOM_NO_SAMPLES": "1",
            "LOOM_LOG_FORMAT": "json",
        ]
        let dataFolder = folder + "/data"
        let embeddedURL = "postgresql://postgres@/postgres?host=\(dataFolder)/postgres&port=5432"

        func startCoordinator(_ name: String) async throws -> Child {
            let coordinator = try Child(
                [Cluster.binary, "coordinator", "--data-dir", dataFolder], environment: environment, name: name, logDirectory: folder)
            try await eventually("the coordinator answers /readyz", timeout: .seconds(90)) {
                if let status = coordinator.poll() { throw GaveUp(what: "coordinator exited with \(status):\n\(coordinator.log)") }
                return await get("http://127.0.0.1:\(httpPort)/readyz")?.0 == 200
            }
            return coordinator
        }

        func stop(_ coordinator: Child) async throws {
            coordinator.signal(SIGTERM)
            #expect(await coordinator.wait(timeout: .seconds(60)) == 0, "\(coordinator.log)")
            #expect(!FileManager.default.fileExists(atPath: dataFolder + "/postgres/data/postmaster.pid"), "the embedded server still runs")
        }

        let first = try await startCoordinator("coordinator-1")
        defer { if first.poll() == nil { first.signal(SIGKILL) } }
        // An admin user made through the embedded database's socket.
        let (status, output) = try await loom(
            ["admin", "create-user", "alice", "--admin", "--database-url", embeddedURL, "--json"], environment: environment, in: folder)
        #expect(status == 0, "\(output)")
        let created = try JSONSerialization.jsonObject(with: Data(output.utf8.drop { $0 != UInt8(ascii: "{") })) as? [String: Any]
        let token = try #require(created?["token"] as? String, "create-user printed \(output)")
        #expect(await get("http://127.0.0.1:\(httpPort)/api/me", token: token)?.0 == 200)
        try await stop(first)

        // Every line the coordinator wrote is one JSON object with a level and a message.
        for line in first.log.split(separator: "\n") {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] is String && object?["message"] is String, "not a JSON log line: \(line)")
        }
        #expect(first.log.contains("\"message\":\"stopped the embedded PostgreSQL\""))

        // The second start reuses the cluster: the token made before still works.
        let second = try await startCoordinator("coordinator-2")
        defer { if second.poll() == nil { second.signal(SIGKILL) } }
        #expect(await get("http://127.0.0.1:\(httpPort)/api/me", token: token)?.0 == 200)
        try await stop(second)
    }

    @Test("an option given on the command line wins over its LOOM_ variable; a bad value names the option")
    func environmentPrecedence() async throws {
        let folder = try reachableFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["PATH": "/usr/bin:/bin", "HOME": "/tmp", "LOOM_LOG_FORMAT": "xml"]
        // The variable's bad value is refused, naming the option it sets.
        let (refused, message) = try await loom(["worker", "--coordinator", "127.0.0.1:1"], environment: environment, in: folder)
        #expect(refused != 0)
        #expect(message.contains("--log-format"), "\(message)")
        // Given on the command line, the option wins and the variable is not read: the
        // worker gets as far as its missing secret.
        let (status, output) = try await loom(
            ["worker", "--coordinator", "127.0.0.1:1", "--log-format", "text"], environment: environment, in: folder)
        #expect(status != 0)
        #expect(output.contains("no cluster secret"), "\(output)")
    }
}
