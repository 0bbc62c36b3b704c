import Foundation
import LoomHTTP
import LoomStore
import Testing

/// Every documented route × the owner of what it names, another user, no token (and a
/// forged one), and an admin. Another user's things answer 404 (never 403) and so do they
/// for an admin, who is an ordinary user outside /api/admin; admin routes answer 403 to
/// users. Every refused request leaves the database as it was. Each answer is also checked
/// against the OpenAPI document.
@Suite struct AuthorizationMatrixTests {
    /// Who may use a route.
    enum Access {
        /// Anyone, without a token.
        case anyone
        /// Any user, about their own things (a listing, a new workflow).
        case anyUser
        /// The owner of the workflow, job, snapshot, dataset or token in the path.
        case owner
        /// Admin tokens only.
        case admin
    }

    struct Row {
        var method: String
        var path: String
        var access: Access
        /// The answer to the owner (to an admin, for admin routes).
        var allowed: Int
        var json: Any? = nil
        var csv: Data? = nil
    }

    @Test func everyRouteForEveryCaller() async throws {
        try await withAPIServer { server in
            try await SampleInstaller.install(into: server.services.datasets)
            let world = try await World.make(server)
            let rows = world.rows
            let document = try OpenAPIDocument(try await server.send("GET", "/api/openapi.json").body)
            let api = CheckedClient(server: server, document: document)

            // Every documented operation has its row, and no row names an undocumented one.
            let covered = Set(rows.compactMap { row in document.operation(row.method, row.path).map { "\(row.method) \($0.template)" } })
            let documented = Set(document.operations.map { "\($0.method) \($0.path)" })
            #expect(covered == documented, "no row: \(documented.subtracting(covered).sorted()); undocumented: \(covered.subtracting(documented).sorted())")
            #expect(rows.allSatisfy { document.operation($0.method, $0.path) != nil })

            for row in rows {
                func send(_ token: String?, expect status: Int) async throws -> APITestServer.Reply {
                    try await api.send(
                        row.method, row.path, token: token, json: row.json, body: row.csv,
                        contentType: row.csv == nil ? nil : "text/csv", expect: status)
                }
                let refused: [(token: String?, status: Int)]
                switch row.access {
                case .anyone: refused = []
                case .anyUser: refused = [(nil, 401), ("forged-token", 401)]
                case .owner: refused = [(server.bob.token, 404), (server.adminToken, 404), (nil, 401), ("forged-token", 401)]
                case .admin: refused = [(server.alice.token, 403), (server.bob.token, 403), (nil, 401), ("forged-token", 401)]
                }
                for (token, status) in refused {
                    let before = try await server.databaseDigest()
                    _ = try await send(token, expect: status)
                    #expect(try await server.databaseDigest() == before, "\(row.method) \(row.path) refused with \(status) but changed the database")
                }
                switch row.access {
                case .anyone:
                    for token in [nil, server.alice.token, server.adminToken] { _ = try await send(token, expect: row.allowed) }
                case .anyUser:
                    for token in [server.alice.token, server.bob.token, server.adminToken] { _ = try await send(token, expect: row.allowed) }
                case .owner:
                    _ = try await send(server.alice.token, expect: row.allowed)
                case .admin:
                    _ = try await send(server.adminToken, expect: row.allowed)
                }
            }
            // Listings show only the caller's own things (and the samples).
            let bob = server.bob.user.id.uuidString.lowercased()
            let bobsJobs = try await server.send("GET", "/api/jobs?limit=200", token: server.bob.token).json["items"] as? [[String: Any]]
            #expect(bobsJobs?.isEmpty == false && bobsJobs?.allSatisfy { $0["user_id"] as? String == bob } == true)
            let bobsDatasets = try await server.send("GET", "/api/datasets?limit=200", token: server.bob.token).json["items"] as? [[String: Any]]
            #expect(bobsDatasets?.allSatisfy { $0["sample"] as? Bool == true || $0["name"] as? String == "mine.csv" } == true)
        }
    }

    /// Alice's things that the rows name, made through the API (and, for the artifact, the
    /// store as a worker writes it).
    struct World {
        var rows: [Row]

        static func make(_ server: APITestServer) async throws -> World {
            let alice = server.alice.token
            func id(_ reply: APITestServer.Reply, _ key: String = "id") throws -> String {
                try #require(reply.json[key] as? String, "\(reply.status) \(reply.text)")
            }
            let csv = Data("a,b\n1,2\n".utf8)
            let upload = try await server.send("POST", "/api/datasets?name=matrix.csv", token: alice, body: csv, contentType: "text/csv")
            let dataset = try #require((upload.json["dataset"] as? [String: Any])?["id"] as? String)
            let doomedUpload = try await server.send("POST", "/api/datasets?name=doomed.csv", token: alice, body: csv, contentType: "text/csv")
            let doomedDataset = try #require((doomedUpload.json["dataset"] as? [String: Any])?["id"] as? String)
            let workflow = try id(try await server.send("POST", "/api/workflows", token: alice, json: irisWorkflowJSON()))
            let doomedWorkflow = try id(try await server.send("POST", "/api/workflows", token: alice, json: irisWorkflowJSON()))
            let executed = try await server.send("POST", "/api/workflows/\(workflow)/execute", token: alice)
            let job = try id(executed)
            let snapshot = try id(executed, "workflow_snapshot_id")
            // A worker takes the queued jobs (this one and the ingestions) and stores an artifact.
            let leases = try await server.services.queue.lease(worker: UUID(), limit: 10)
            let lease = try #require(leases.first { $0.jobID.uuidString.lowercased() == job })
            #expect(try await server.services.queue.storeArtifact(
                jobID: lease.jobID, token: lease.token, nodeID: "model", name: "notes.txt", contentType: "text/plain", bytes: Data("hi".utf8)) == .applied)
            // Jobs that stay queued: one to cancel and retry, two for the operators.
            let cancellable = try id(try await server.send("POST", "/api/workflows/\(workflow)/execute", token: alice))
            let queued = try id(try await server.send("POST", "/api/workflows/\(workflow)/execute", token: alice))
            let queuedToo = try id(try await server.send("POST", "/api/workflows/\(workflow)/execute", token: alice))
            let token = try id(try await server.send("POST", "/api/me/tokens", token: alice, json: ["name": "spare"]))
            let bob = server.bob.user.id.uuidString.lowercased()
            let bobsToken = try id(try await server.send("POST", "/api/admin/users/\(bob)/tokens", token: server.adminToken, json: ["name": "ci"]))
            let worker = UUID()
            try await Workers(pool: server.services.pool).register(WorkerRegistration(instanceID: worker, name: "w1", host: "10.0.0.7", capacity: 2))

            let rows: [Row] = [
                Row(method: "GET", path: "/healthz", access: .anyone, allowed: 200),
                Row(method: "GET", path: "/readyz", access: .anyone, allowed: 200),
                Row(method: "GET", path: "/api/openapi.json", access: .anyone, allowed: 200),
                Row(method: "GET", path: "/api/catalog", access: .anyone, allowed: 200),

                Row(method: "POST", path: "/api/workflows", access: .anyUser, allowed: 201, json: irisWorkflowJSON()),
                Row(method: "GET", path: "/api/workflows", access: .anyUser, allowed: 200),
                Row(method: "POST", path: "/api/workflows/validate", access: .anyUser, allowed: 200, json: irisWorkflowJSON()),
                Row(method: "GET", path: "/api/jobs", access: .anyUser, allowed: 200),
                Row(method: "POST", path: "/api/datasets?name=mine.csv", access: .anyUser, allowed: 202, csv: csv),
                Row(method: "GET", path: "/api/datasets", access: .anyUser, allowed: 200),
                Row(method: "GET", path: "/api/me", access: .anyUser, allowed: 200),
                Row(method: "GET", path: "/api/me/ledger", access: .anyUser, allowed: 200),
                Row(method: "GET", path: "/api/me/tokens", access: .anyUser, allowed: 200),
                Row(method: "POST", path: "/api/me/tokens", access: .anyUser, allowed: 201, json: ["name": "laptop"]),

                Row(method: "GET", path: "/api/workflows/\(workflow)", access: .owner, allowed: 200),
                Row(method: "PUT", path: "/api/workflows/\(workflow)", access: .owner, allowed: 200, json: irisWorkflowJSON()),
                Row(method: "POST", path: "/api/workflows/\(workflow)/execute", access: .owner, allowed: 202),
                // A plain GET is no handshake: allowed, it answers 426 (StreamTests upgrade).
                Row(method: "GET", path: "/api/workflows/\(job)/stream", access: .owner, allowed: 426),
                Row(method: "GET", path: "/api/jobs/\(job)", access: .owner, allowed: 200),
                Row(method: "GET", path: "/api/jobs/\(job)/nodes", access: .owner, allowed: 200),
                Row(method: "GET", path: "/api/jobs/\(job)/results", access: .owner, allowed: 200),
                Row(method: "GET", path: "/api/jobs/\(job)/artifacts", access: .owner, allowed: 200),
                Row(method: "GET", path: "/api/jobs/\(job)/artifacts/notes.txt?node=model", access: .owner, allowed: 200),
                // No predictions were stored: the owner is told so, about the node, not the job.
                Row(method: "GET", path: "/api/jobs/\(job)/predictions.csv?node=model", access: .owner, allowed: 404),
                Row(method: "GET", path: "/api/snapshots/\(snapshot)", access: .owner, allowed: 200),
                Row(method: "POST", path: "/api/snapshots/\(snapshot)/run", access: .owner, allowed: 202),
                Row(method: "GET", path: "/api/datasets/\(dataset)", access: .owner, allowed: 200),
                Row(method: "POST", path: "/api/jobs/\(cancellable)/cancel", access: .owner, allowed: 202),
                Row(method: "POST", path: "/api/jobs/\(cancellable)/retry", access: .owner, allowed: 202),
                Row(method: "DELETE", path: "/api/datasets/\(doomedDataset)", access: .owner, allowed: 204),
                Row(method: "DELETE", path: "/api/workflows/\(doomedWorkflow)", access: .owner, allowed: 204),
                Row(method: "DELETE", path: "/api/me/tokens/\(token)", access: .owner, allowed: 204),

                Row(method: "GET", path: "/api/admin/queue", access: .admin, allowed: 200),
                Row(method: "POST", path: "/api/admin/jobs/\(queued)/requeue", access: .admin, allowed: 202),
                Row(method: "POST", path: "/api/admin/jobs/\(queuedToo)/cancel", access: .admin, allowed: 202),
                Row(method: "GET", path: "/api/admin/users", access: .admin, allowed: 200),
                Row(method: "POST", path: "/api/admin/users", access: .admin, allowed: 201, json: ["name": "carol"]),
                Row(method: "POST", path: "/api/admin/users/\(bob)/credits", access: .admin, allowed: 200, json: ["amount": 5]),
                Row(method: "GET", path: "/api/admin/users/\(bob)/tokens", access: .admin, allowed: 200),
                Row(method: "POST", path: "/api/admin/users/\(bob)/tokens", access: .admin, allowed: 201, json: ["name": "cd"]),
                Row(method: "DELETE", path: "/api/admin/tokens/\(bobsToken)", access: .admin, allowed: 204),
                Row(method: "GET", path: "/api/admin/workers", access: .admin, allowed: 200),
                Row(method: "POST", path: "/api/admin/workers/\(worker)/drain", access: .admin, allowed: 202),
                Row(method: "POST", path: "/api/admin/workers/\(worker)/undrain", access: .admin, allowed: 202),
                Row(method: "GET", path: "/metrics", access: .admin, allowed: 200),
            ]
            return World(rows: rows)
        }
    }
}
