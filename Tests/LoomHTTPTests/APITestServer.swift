import Foundation
import Hummingbird
import LoomHTTP
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import LoomStore

/// A real API server on loopback, on a fresh database of the test PostgreSQL server
/// (scripts/test starts it and exports DATABASE_URL), with an admin and two users.
struct APITestServer {
    let services: APIServices
    let baseURL: String
    let adminToken: String
    let alice: (user: User, token: String)
    let bob: (user: User, token: String)
    private let task: Task<Void, any Error>

    static func start(configuration: APIConfiguration = APIConfiguration()) async throws -> APITestServer {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw TestSetupError("DATABASE_URL is not set: run scripts/test, or `scripts/pg start DIR` and export the URL it prints")
        }
        let name = "loom_api_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        // CREATE DATABASE takes no parameters; the name is ours and made of [a-z0-9_].
        try PostgresConnection(url).execute("CREATE DATABASE \(name)")
        var components = URLComponents(string: url)!
        components.path = "/" + name
        let pool = PostgresPool(.init(url: components.string!, size: 4))
        try await Migrator.bundled().migrate(pool)

        let services = APIServices(pool: pool)
        let admin = try await services.users.create(name: "admin", isAdmin: true)
        let alice = try await services.users.create(name: "alice", credits: 10_000)
        let bob = try await services.users.create(name: "bob", credits: 10_000)

        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = APIServer(configuration: configuration, services: services).application { port in
            continuation.yield(port)
        }
        let task = Task { try await application.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSetupError("the server did not start") }
        return APITestServer(
            services: services, baseURL: "http://127.0.0.1:\(port)", adminToken: admin.token,
            alice: (alice.0, alice.token), bob: (bob.0, bob.token), task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    struct Reply {
        var status: Int
        var body: Data
        var headers: [String: String]

        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var list: [[String: Any]] { ((try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]]) ?? [] }
        /// The items of a page ({items, total, limit, offset}).
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One HTTP request; `json` is serialized as the body, or `body` sent as it is.
    func send(
        _ method: String, _ path: String, token: String? = nil, json: Any? = nil, body: Data? = nil,
        contentType: String? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
        }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, body: data, headers: headers)
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` against a fresh server and always stops it.
func withAPIServer(
    configuration: APIConfiguration = APIConfiguration(), _ body: (APITestServer) async throws -> Void
) async throws {
    let server = try await APITestServer.start(configuration: configuration)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// The iris classification workflow the route tests store and run.
func irisWorkflowJSON(datasetID: String = "sample:iris") -> [String: Any] {
    [
        "name": "iris",
        "nodes": [
            ["id": "data", "type": "dataset", "data": ["datasetId": datasetID, "targetColumn": "species", "problemType": "classification"]],
            ["id": "split", "type": "split", "data": ["testSize": 0.3]],
            ["id": "model", "type": "model", "data": ["algorithm": "logistic_regression"]],
            ["id": "evaluate", "type": "evaluate", "data": ["metrics": ["accuracy"]]],
        ],
        "edges": [
            ["source": "data", "target": "split"], ["source": "split", "target": "model"],
            ["source": "model", "target": "evaluate"],
        ],
    ]
}

extension APITestServer {
    /// A digest of every row a request could write: equal before and after a refused request
    /// means it changed nothing.
    func databaseDigest() async throws -> String {
        try await services.pool.withConnection { connection in
            try connection.query("""
                SELECT md5(coalesce(string_agg(line, E'\\n' ORDER BY line), '')) FROM (
                    SELECT 'users ' || t::text AS line FROM users t
                    UNION ALL SELECT 'api_tokens ' || t::text FROM api_tokens t
                    UNION ALL SELECT 'workflows ' || t::text FROM workflows t
                    UNION ALL SELECT 'workflow_snapshots ' || t::text FROM workflow_snapshots t
                    UNION ALL SELECT 'datasets ' || t::text FROM datasets t
                    UNION ALL SELECT 'dataset_uploads ' || t::text FROM dataset_uploads t
                    UNION ALL SELECT 'jobs ' || t::text FROM jobs t
                    UNION ALL SELECT 'job_nodes ' || t::text FROM job_nodes t
                    UNION ALL SELECT 'job_events ' || t::text FROM job_events t
                    UNION ALL SELECT 'artifacts ' || t::text FROM artifacts t
                    UNION ALL SELECT 'credit_ledger ' || t::text FROM credit_ledger t
                    UNION ALL SELECT 'workers ' || t::text FROM workers t
                ) rows
                """).first { row throws(PostgresError) in try row.decode(0, as: String.self) } ?? ""
        }
    }
}
