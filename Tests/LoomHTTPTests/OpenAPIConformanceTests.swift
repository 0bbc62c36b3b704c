import Foundation
import LoomHTTP
import LoomStore
import Testing

/// Real requests to a real server, each answer checked against the OpenAPI document: its
/// status must be one the operation lists, its body must fit the documented schema (with
/// `additionalProperties: false` on every view, so an undocumented field fails too).
@Suite struct OpenAPIConformanceTests {
    /// Operations no request here reaches: the stream is a WebSocket (and on another branch).
    static let notExercised: Set<String> = ["GET /api/workflows/{job_id}/stream"]

    @Test func responsesMatchTheDocument() async throws {
        var configuration = APIConfiguration()
        configuration.maxJSONBody = 4_000
        configuration.maxUpload = 4_000
        try await withAPIServer(configuration: configuration) { server in
            try await SampleInstaller.install(into: server.services.datasets)
            let document = try OpenAPIDocument(try await server.send("GET", "/api/openapi.json").body)
            let api = CheckedClient(server: server, document: document)
            try await publicAndAuthentication(api)
            let workflowID = try await workflows(api)
            try await jobs(api, workflowID: workflowID)
            try await datasets(api)
            try await account(api)
            try await admin(api, workflowID: workflowID)

            let operations = Set(document.operations.map { "\($0.method) \($0.path)" })
            let reached = Set(api.exercised.map { String($0.split(separator: " ").prefix(2).joined(separator: " ")) })
            let missed = operations.subtracting(reached).subtracting(Self.notExercised)
            #expect(missed.isEmpty, "operations no request reached: \(missed.sorted())")
            let statuses = Set(api.exercised.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } })
            #expect(statuses.isSuperset(of: [200, 201, 202, 204, 400, 401, 402, 403, 404, 409, 413, 415, 422]), "\(statuses.sorted())")
        }
    }

    private func publicAndAuthentication(_ api: CheckedClient) async throws {
        try await api.send("GET", "/healthz", expect: 200)
        try await api.send("GET", "/readyz", expect: 200)
        try await api.send("GET", "/api/openapi.json", expect: 200)
        try await api.send("GET", "/api/catalog", expect: 200)
        try await api.send("GET", "/api/workflows", expect: 401)
        try await api.send("GET", "/api/workflows", token: "forged", expect: 401)
        try await api.send("POST", "/api/workflows", json: irisWorkflowJSON(), expect: 401)
        try await api.send("GET", "/api/me", expect: 401)
        try await api.send("GET", "/api/admin/queue", expect: 401)
        try await api.send("GET", "/api/admin/queue", token: api.server.alice.token, expect: 403)
        try await api.send("POST", "/api/admin/users", token: api.server.alice.token, json: ["name": "mallory"], expect: 403)
    }

    private func workflows(_ api: CheckedClient) async throws -> String {
        let alice = api.server.alice.token
        let created = try await api.send("POST", "/api/workflows", token: alice, json: irisWorkflowJSON(), expect: 201)
        let id = try #require(created.json["id"] as? String)
        func post(_ text: String) async throws {
            try await api.send("POST", "/api/workflows", token: alice, body: Data(text.utf8), contentType: "application/json", expect: 400)
        }
        try await post("{\"nodes\": [")
        try await post("{\"name\": 3, \"nodes\": [], \"edges\": []}")
        try await post("{\"name\": \"x\", \"edges\": []}")
        try await api.send("POST", "/api/workflows", token: alice, json: ["name": " ", "nodes": [], "edges": []], expect: 400)
        let huge = "{\"name\": \"" + String(repeating: "x", count: 10_000) + "\", \"nodes\": [], \"edges\": []}"
        try await api.send("POST", "/api/workflows", token: alice, body: Data(huge.utf8), contentType: "application/json", expect: 413)

        try await api.send("GET", "/api/workflows?limit=10&offset=0", token: alice, expect: 200)
        try await api.send("GET", "/api/workflows?limit=0", token: alice, expect: 400)
        try await api.send("GET", "/api/workflows?offset=-1", token: alice, expect: 400)
        try await api.send("GET", "/api/workflows/\(id)", token: alice, expect: 200)
        try await api.send("GET", "/api/workflows/\(id)", token: api.server.bob.token, expect: 404)
        try await api.send("GET", "/api/workflows/not-an-id", token: alice, expect: 404)

        var changed = irisWorkflowJSON()
        changed["version"] = 1
        changed["name"] = "iris, renamed"
        try await api.send("PUT", "/api/workflows/\(id)", token: alice, json: changed, expect: 200)
        try await api.send("PUT", "/api/workflows/\(id)", token: alice, json: changed, expect: 409)
        try await api.send("PUT", "/api/workflows/\(UUID())", token: alice, json: irisWorkflowJSON(), expect: 404)
        try await api.send("PUT", "/api/workflows/\(id)", token: alice, body: Data("[]".utf8), contentType: "application/json", expect: 400)

        try await api.send("POST", "/api/workflows/validate", token: alice, json: irisWorkflowJSON(), expect: 200)
        var broken = irisWorkflowJSON()
        broken["edges"] = (broken["edges"] as! [[String: Any]]) + [["source": "evaluate", "target": "split"]]
        var nodes = broken["nodes"] as! [[String: Any]]
        nodes[0]["data"] = ["datasetId": "sample:iris", "targetColumn": "colour", "problemType": "classification"]
        nodes.append(["id": "odd", "type": "hologram"])
        broken["nodes"] = nodes
        let invalid = try await api.send("POST", "/api/workflows/validate", token: alice, json: broken, expect: 200)
        #expect(((invalid.json["issues"] as? [Any]) ?? []).count >= 3, "\(invalid.text)")
        try await api.send("POST", "/api/workflows/validate", token: alice, body: Data("nope".utf8), contentType: "application/json", expect: 400)

        // Execute: 422 with every issue, 402 without credits.
        let brokenID = try #require(try await api.send("POST", "/api/workflows", token: alice, json: broken, expect: 201).json["id"] as? String)
        let refused = try await api.send("POST", "/api/workflows/\(brokenID)/execute", token: alice, expect: 422)
        #expect(refused.errorCode == "invalid_workflow")
        let empty = try await api.send("POST", "/api/workflows", token: alice, json: ["nodes": [], "edges": []], expect: 201)
        try await api.send("POST", "/api/workflows/\(empty.json["id"] as? String ?? "")/execute", token: alice, expect: 422)
        let poor = try await api.server.services.users.create(name: "poor", credits: 0)
        let theirs = try await api.send("POST", "/api/workflows", token: poor.token, json: irisWorkflowJSON(), expect: 201)
        try await api.send("POST", "/api/workflows/\(theirs.json["id"] as? String ?? "")/execute", token: poor.token, expect: 402)
        try await api.send("POST", "/api/workflows/\(UUID())/execute", token: alice, expect: 404)

        try await api.send("DELETE", "/api/workflows/\(brokenID)", token: alice, expect: 204)
        try await api.send("DELETE", "/api/workflows/\(brokenID)", token: alice, expect: 404)
        return id
    }

    private func jobs(_ api: CheckedClient, workflowID: String) async throws {
        let alice = api.server.alice.token
        let executed = try await api.send("POST", "/api/workflows/\(workflowID)/execute", token: alice, expect: 202)
        let jobID = try #require(executed.json["id"] as? String)
        let snapshotID = try #require(executed.json["workflow_snapshot_id"] as? String)

        try await api.send("GET", "/api/jobs", token: alice, expect: 200)
        try await api.send("GET", "/api/jobs/\(jobID)/predictions.csv", token: alice, expect: 400)
        try await api.send("GET", "/api/jobs/\(jobID)/predictions.csv?node=model", token: alice, expect: 404)
        try await api.send("GET", "/api/jobs?status=queued&workflow=\(workflowID)&since=2020-01-01T00:00:00Z&limit=5", token: alice, expect: 200)
        for bad in ["status=sleeping", "workflow=last-one", "since=yesterday", "limit=100000"] {
            let reply = try await api.send("GET", "/api/jobs?\(bad)", token: alice, expect: 400)
            #expect(reply.errorCode == "invalid_parameter")
        }
        try await api.send("GET", "/api/jobs/\(jobID)", token: alice, expect: 200)
        try await api.send("GET", "/api/jobs/\(jobID)", token: api.server.bob.token, expect: 404)
        try await api.send("GET", "/api/jobs/\(jobID)/nodes", token: alice, expect: 200)
        try await api.send("GET", "/api/jobs/\(jobID)/results", token: alice, expect: 200)
        try await api.send("GET", "/api/jobs/\(jobID)/artifacts", token: alice, expect: 200)
        try await api.send("GET", "/api/jobs/\(jobID)/artifacts/roc_curve.svg", token: alice, expect: 404)
        try await api.send("GET", "/api/jobs/\(UUID())/nodes", token: alice, expect: 404)

        try await api.send("POST", "/api/jobs/\(jobID)/retry", token: alice, expect: 409)
        try await api.send("POST", "/api/jobs/\(jobID)/cancel", token: alice, expect: 202)
        try await api.send("POST", "/api/jobs/\(jobID)/cancel", token: alice, expect: 409)
        try await api.send("POST", "/api/jobs/\(jobID)/retry", token: alice, expect: 202)
        try await api.send("POST", "/api/jobs/\(UUID())/cancel", token: alice, expect: 404)

        try await api.send("GET", "/api/snapshots/\(snapshotID)", token: alice, expect: 200)
        try await api.send("GET", "/api/snapshots/\(snapshotID)", token: api.server.bob.token, expect: 404)
        try await api.send("POST", "/api/snapshots/\(snapshotID)/run", token: alice, expect: 202)
        try await api.send("POST", "/api/snapshots/\(UUID())/run", token: alice, expect: 404)
    }

    private func datasets(_ api: CheckedClient) async throws {
        let alice = api.server.alice.token
        let csv = Data("a,b,label\n1,2,x\n3,4,y\n".utf8)
        let uploaded = try await api.send("POST", "/api/datasets?name=tiny.csv", token: alice, body: csv, contentType: "text/csv", expect: 202)
        let id = try #require((uploaded.json["dataset"] as? [String: Any])?["id"] as? String)
        let ingestion = try #require((uploaded.json["job"] as? [String: Any])?["id"] as? String)
        try await api.send("GET", "/api/jobs/\(ingestion)", token: alice, expect: 200)
        try await api.send("POST", "/api/jobs/\(ingestion)/cancel", token: alice, expect: 202)
        try await api.send("POST", "/api/jobs/\(ingestion)/retry", token: alice, expect: 409)

        try await api.send("POST", "/api/datasets", token: alice, body: Data(repeating: UInt8(ascii: "1"), count: 10_000), contentType: "text/csv", expect: 413)
        try await api.send("POST", "/api/datasets", token: alice, body: Data(), contentType: "text/csv", expect: 400)
        try await api.send("POST", "/api/datasets?name=sample:mine", token: alice, body: csv, contentType: "text/csv", expect: 400)
        try await api.send("POST", "/api/datasets", token: alice, body: csv, contentType: "image/png", expect: 415)

        let listed = try await api.send("GET", "/api/datasets?limit=200", token: alice, expect: 200).json["items"] as? [[String: Any]] ?? []
        try await api.send("GET", "/api/datasets?limit=2&offset=1", token: alice, expect: 200)
        try await api.send("GET", "/api/datasets?limit=0", token: alice, expect: 400)
        let iris = try #require(listed.first { $0["name"] as? String == "sample:iris" }?["id"] as? String)
        let profile = try await api.send("GET", "/api/datasets/\(iris)", token: alice, expect: 200)
        #expect(profile.json["profile"] is [String: Any])
        try await api.send("GET", "/api/datasets/\(id)", token: alice, expect: 200)
        try await api.send("GET", "/api/datasets/\(id)", token: api.server.bob.token, expect: 404)
        try await api.send("DELETE", "/api/datasets/\(iris)", token: alice, expect: 403)
        try await api.send("DELETE", "/api/datasets/\(id)", token: alice, expect: 204)
        try await api.send("DELETE", "/api/datasets/\(id)", token: alice, expect: 404)
    }

    private func account(_ api: CheckedClient) async throws {
        let alice = api.server.alice.token
        try await api.send("GET", "/api/me", token: alice, expect: 200)
        let ledger = try await api.send("GET", "/api/me/ledger", token: alice, expect: 200)
        #expect(!ledger.list.isEmpty)  // the executions above reserved credits
        let created = try await api.send("POST", "/api/me/tokens", token: alice, json: ["name": "laptop"], expect: 201)
        let tokenID = try #require(created.json["id"] as? String)
        try await api.send("POST", "/api/me/tokens", token: alice, json: ["name": ""], expect: 400)
        try await api.send("POST", "/api/me/tokens", token: alice, json: ["label": "laptop"], expect: 400)
        try await api.send("DELETE", "/api/me/tokens/\(tokenID)", token: api.server.bob.token, expect: 404)
        try await api.send("DELETE", "/api/me/tokens/\(tokenID)", token: alice, expect: 204)
        let tokens = try await api.send("GET", "/api/me/tokens", token: alice, expect: 200)
        #expect(tokens.list.contains { $0["revoked_at"] is String })
        #expect(tokens.list.contains { $0["revoked_at"] is NSNull })
    }

    private func admin(_ api: CheckedClient, workflowID: String) async throws {
        let admin = api.server.adminToken
        let alice = api.server.alice.token
        try await api.send("GET", "/api/admin/queue", token: admin, expect: 200)
        let instance = UUID()
        try await Workers(pool: api.server.services.pool).register(WorkerRegistration(instanceID: instance, name: "w1", host: "10.0.0.7", capacity: 4))
        try await api.send("GET", "/api/admin/workers", token: admin, expect: 200)
        try await api.send("POST", "/api/admin/workers/\(instance)/drain", token: admin, expect: 202)
        try await api.send("POST", "/api/admin/workers/\(instance)/undrain", token: admin, expect: 202)
        try await api.send("POST", "/api/admin/workers/\(UUID())/drain", token: admin, expect: 404)
        try await api.send("GET", "/metrics", token: admin, expect: 200)
        try await api.send("GET", "/metrics", token: alice, expect: 403)
        try await api.send("GET", "/api/admin/users?limit=2", token: admin, expect: 200)
        try await api.send("GET", "/api/admin/users?limit=abc", token: admin, expect: 400)

        let created = try await api.send("POST", "/api/admin/users", token: admin, json: ["name": "carol", "credits": 50, "is_admin": false], expect: 201)
        let carol = try #require((created.json["user"] as? [String: Any])?["id"] as? String)
        try await api.send("POST", "/api/admin/users", token: admin, json: ["name": "carol"], expect: 409)
        try await api.send("POST", "/api/admin/users", token: admin, json: ["name": "dave", "credits": -5], expect: 400)
        try await api.send("POST", "/api/admin/users", token: admin, json: ["credits": 5], expect: 400)

        try await api.send("POST", "/api/admin/users/\(carol)/credits", token: admin, json: ["amount": 25, "note": "welcome"], expect: 200)
        try await api.send("POST", "/api/admin/users/\(carol)/credits", token: admin, json: ["amount": -1_000], expect: 409)
        try await api.send("POST", "/api/admin/users/\(carol)/credits", token: admin, json: ["amount": "lots"], expect: 400)
        try await api.send("POST", "/api/admin/users/\(UUID())/credits", token: admin, json: ["amount": 1], expect: 404)

        try await api.send("GET", "/api/admin/users/\(carol)/tokens", token: admin, expect: 200)
        try await api.send("GET", "/api/admin/users/not-an-id/tokens", token: admin, expect: 404)
        let token = try await api.send("POST", "/api/admin/users/\(carol)/tokens", token: admin, json: ["name": "ci"], expect: 201)
        try await api.send("POST", "/api/admin/users/\(UUID())/tokens", token: admin, json: ["name": "ci"], expect: 404)
        try await api.send("DELETE", "/api/admin/tokens/\(token.json["id"] as? String ?? "")", token: admin, expect: 204)
        try await api.send("DELETE", "/api/admin/tokens/\(UUID())", token: admin, expect: 404)

        // Requeue and cancel any job.
        let job = try #require(try await api.send("POST", "/api/workflows/\(workflowID)/execute", token: alice, expect: 202).json["id"] as? String)
        try await api.send("POST", "/api/admin/jobs/\(job)/requeue", token: admin, expect: 202)
        try await api.send("POST", "/api/admin/jobs/\(job)/cancel", token: admin, expect: 202)
        try await api.send("POST", "/api/admin/jobs/\(job)/requeue", token: admin, expect: 409)
        try await api.send("POST", "/api/admin/jobs/\(job)/cancel", token: admin, expect: 409)
        try await api.send("POST", "/api/admin/jobs/\(UUID())/requeue", token: admin, expect: 404)
        try await api.send("POST", "/api/admin/jobs/\(job)/requeue", token: alice, expect: 403)
    }

    /// Cancelling a job that does not exist is 404 like every unknown id.
    @Test func cancellingAnUnknownJobAsAdminIsNotFound() async throws {
        try await withAPIServer { server in
            let document = try OpenAPIDocument(try await server.send("GET", "/api/openapi.json").body)
            let api = CheckedClient(server: server, document: document)
            _ = try await api.send("POST", "/api/admin/jobs/\(UUID())/cancel", token: server.adminToken, expect: 404)
        }
    }
}
