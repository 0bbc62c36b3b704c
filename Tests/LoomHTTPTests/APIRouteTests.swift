import Foundation
import LoomHTTP
import LoomStore
import Testing

/// The REST API against a real server and a real database, over HTTP only.
@Suite struct APIRouteTests {
    @Test func healthAndReadiness() async throws {
        try await withAPIServer { server in
            #expect(try await server.send("GET", "/healthz").status == 200)
            #expect(try await server.send("GET", "/readyz").status == 200)
            let missing = try await server.send("GET", "/api/nothing-here", token: server.alice.token)
            #expect(missing.status == 404)
            #expect(missing.errorCode == "not_found")
        }
    }

    @Test func metricsAreForOperators() async throws {
        try await withAPIServer { server in
            _ = try await server.send("GET", "/api/workflows", token: server.alice.token)
            #expect(try await server.send("GET", "/metrics", token: server.alice.token).status == 403)
            #expect(try await server.send("GET", "/metrics").status == 401)
            let metrics = try await server.send("GET", "/metrics", token: server.adminToken)
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("loom_jobs{status=\"queued\"} 0"), "\(metrics.text)")
            #expect(metrics.text.contains("loom_http_request_duration_seconds_count{method=\"GET\",route=\"/api/workflows\",status=\"200\"} 1"), "\(metrics.text)")
        }
    }

    @Test func workflowsAreCreatedListedUpdatedAndDeleted() async throws {
        try await withAPIServer { server in
            let token = server.alice.token
            let created = try await server.send("POST", "/api/workflows", token: token, json: irisWorkflowJSON())
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["version"] as? Int == 1)
            #expect((created.json["nodes"] as? [Any])?.count == 4)

            let list = try await server.send("GET", "/api/workflows?limit=10", token: token)
            #expect(list.json["total"] as? Int == 1)

            var changed = irisWorkflowJSON()
            changed["name"] = "iris, renamed"
            changed["version"] = 1
            let updated = try await server.send("PUT", "/api/workflows/\(id)", token: token, json: changed)
            #expect(updated.status == 200, "\(updated.text)")
            #expect(updated.json["version"] as? Int == 2)
            #expect(updated.json["name"] as? String == "iris, renamed")
            // An edit of version 1, made elsewhere meanwhile, is refused.
            let stale = try await server.send("PUT", "/api/workflows/\(id)", token: token, json: changed)
            #expect(stale.status == 409)
            #expect(stale.errorCode == "version_conflict")

            #expect(try await server.send("DELETE", "/api/workflows/\(id)", token: token).status == 204)
            #expect(try await server.send("GET", "/api/workflows/\(id)", token: token).status == 404)
        }
    }

    @Test func validationReturnsEveryProblem() async throws {
        try await withAPIServer { server in
            try await SampleInstaller.install(into: server.services.datasets)
            var workflow = irisWorkflowJSON()
            workflow["edges"] = (workflow["edges"] as! [[String: Any]]) + [["source": "evaluate", "target": "split"]]
            var nodes = workflow["nodes"] as! [[String: Any]]
            nodes[0]["data"] = ["datasetId": "sample:iris", "targetColumn": "colour", "problemType": "classification"]
            workflow["nodes"] = nodes
            let reply = try await server.send("POST", "/api/workflows/validate", token: server.alice.token, json: workflow)
            #expect(reply.status == 200)
            #expect(reply.json["valid"] as? Bool == false)
            let codes = Set(((reply.json["issues"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String })
            #expect(codes.isSuperset(of: ["cycle", "unknown_target_column"]), "\(codes)")

            let valid = try await server.send("POST", "/api/workflows/validate", token: server.alice.token, json: irisWorkflowJSON())
            #expect(valid.json["valid"] as? Bool == true, "\(valid.text)")
        }
    }

    @Test func executingQueuesAJobFromASnapshot() async throws {
        try await withAPIServer { server in
            try await SampleInstaller.install(into: server.services.datasets)
            let token = server.alice.token
            let workflow = try await server.send("POST", "/api/workflows", token: token, json: irisWorkflowJSON())
            let workflowID = try #require(workflow.json["id"] as? String)

            let executed = try await server.send("POST", "/api/workflows/\(workflowID)/execute", token: token)
            #expect(executed.status == 202, "\(executed.text)")
            let jobID = try #require(executed.json["id"] as? String)
            #expect(executed.json["status"] as? String == "queued")
            #expect(executed.json["kind"] as? String == "workflow")
            #expect((executed.json["credit_estimate"] as? Int ?? 0) > 0)
            let snapshotID = try #require(executed.json["workflow_snapshot_id"] as? String)

            let job = try await server.send("GET", "/api/jobs/\(jobID)", token: token)
            #expect(job.json["id"] as? String == jobID)
            let queued = try await server.send("GET", "/api/jobs?status=queued&workflow=\(workflowID)", token: token)
            #expect(queued.json["total"] as? Int == 1)
            #expect(try await server.send("GET", "/api/jobs?status=running", token: token).json["total"] as? Int == 0)

            let snapshot = try await server.send("GET", "/api/snapshots/\(snapshotID)", token: token)
            #expect(snapshot.json["workflow_version"] as? Int == 1)
            #expect((snapshot.json["nodes"] as? [Any])?.count == 4)

            let cancelled = try await server.send("POST", "/api/jobs/\(jobID)/cancel", token: token)
            #expect(cancelled.status == 202)
            #expect(cancelled.json["status"] as? String == "cancelled")
            #expect(try await server.send("POST", "/api/jobs/\(jobID)/cancel", token: token).errorCode == "job_finished")

            let retried = try await server.send("POST", "/api/jobs/\(jobID)/retry", token: token)
            #expect(retried.status == 202, "\(retried.text)")
            #expect(retried.json["workflow_snapshot_id"] as? String == snapshotID)
            #expect(retried.json["id"] as? String != jobID)
            let rerun = try await server.send("POST", "/api/snapshots/\(snapshotID)/run", token: token)
            #expect(rerun.status == 202)
            #expect(try await server.send("GET", "/api/jobs", token: token).json["total"] as? Int == 3)
        }
    }

    @Test func anInvalidOrUnaffordableWorkflowCreatesNothing() async throws {
        try await withAPIServer { server in
            try await SampleInstaller.install(into: server.services.datasets)
            let token = server.alice.token
            var broken = irisWorkflowJSON()
            broken["edges"] = (broken["edges"] as! [[String: Any]]) + [["source": "evaluate", "target": "split"]]
            let workflow = try await server.send("POST", "/api/workflows", token: token, json: broken)
            let id = try #require(workflow.json["id"] as? String)
            let refused = try await server.send("POST", "/api/workflows/\(id)/execute", token: token)
            #expect(refused.status == 422)
            #expect(refused.errorCode == "invalid_workflow")
            let details = ((refused.json["error"] as? [String: Any])?["details"] as? [[String: Any]]) ?? []
            #expect(details.contains { $0["code"] as? String == "cycle" }, "\(refused.text)")

            // A user without credits is told what the workflow needs.
            let poor = try await server.services.users.create(name: "poor", credits: 0)
            let theirs = try await server.send("POST", "/api/workflows", token: poor.token, json: irisWorkflowJSON())
            let poorID = try #require(theirs.json["id"] as? String)
            let unaffordable = try await server.send("POST", "/api/workflows/\(poorID)/execute", token: poor.token)
            #expect(unaffordable.status == 402)
            #expect(unaffordable.errorCode == "insufficient_credits")

            #expect(try await server.send("GET", "/api/jobs", token: token).json["total"] as? Int == 0)
            #expect(try await server.send("GET", "/api/jobs", token: poor.token).json["total"] as? Int == 0)
        }
    }

    @Test func uploadsAreStreamedLimitedAndIngested() async throws {
        var configuration = APIConfiguration()
        configuration.maxUpload = 4_000
        try await withAPIServer(configuration: configuration) { server in
            try await SampleInstaller.install(into: server.services.datasets)
            let token = server.alice.token
            let csv = Data("a,b,label\n1,2,x\n3,4,y\n".utf8)
            let uploaded = try await server.send("POST", "/api/datasets?name=tiny.csv", token: token, body: csv, contentType: "text/csv")
            #expect(uploaded.status == 202, "\(uploaded.text)")
            let dataset = try #require(uploaded.json["dataset"] as? [String: Any])
            #expect(dataset["status"] as? String == "ingesting")
            #expect(dataset["bytes"] as? Int == csv.count)
            #expect((uploaded.json["job"] as? [String: Any])?["kind"] as? String == "ingestion")
            let id = try #require(dataset["id"] as? String)

            let listed = try await server.send("GET", "/api/datasets", token: token).items
            #expect(listed.count == 8)  // the seven samples and the upload
            #expect(listed.filter { $0["sample"] as? Bool == true }.count == 7)
            let iris = try #require(listed.first { $0["name"] as? String == "sample:iris" })
            let profile = try await server.send("GET", "/api/datasets/\(iris["id"] as! String)", token: token)
            #expect((profile.json["profile"] as? [String: Any])?["rows"] as? Int == 150)

            // Too large: refused, and nothing of it is stored.
            let big = Data(repeating: UInt8(ascii: "1"), count: 10_000)
            let refused = try await server.send("POST", "/api/datasets", token: token, body: big, contentType: "text/csv")
            #expect(refused.status == 413)
            #expect(refused.errorCode == "upload_too_large")
            let empty = try await server.send("POST", "/api/datasets", token: token, body: Data(), contentType: "text/csv")
            #expect(empty.status == 400)
            let wrongType = try await server.send("POST", "/api/datasets", token: token, body: csv, contentType: "image/png")
            #expect(wrongType.status == 415)
            #expect(try await server.send("GET", "/api/datasets", token: token).json["total"] as? Int == 8)

            #expect(try await server.send("DELETE", "/api/datasets/\(iris["id"] as! String)", token: token).status == 403)
            #expect(try await server.send("DELETE", "/api/datasets/\(id)", token: token).status == 204)
            #expect(try await server.send("GET", "/api/datasets/\(id)", token: token).status == 404)
        }
    }

    @Test func badInputsGetSpecificErrorsAndChangeNothing() async throws {
        var configuration = APIConfiguration()
        configuration.maxJSONBody = 4_000
        try await withAPIServer(configuration: configuration) { server in
            let token = server.alice.token
            func post(_ body: Data) async throws -> APITestServer.Reply {
                try await server.send("POST", "/api/workflows", token: token, body: body, contentType: "application/json")
            }
            let malformed = try await post(Data("{\"nodes\": [".utf8))
            #expect(malformed.status == 400 && malformed.errorCode == "invalid_json", "\(malformed.text)")
            let wrongTypes = try await post(Data("{\"name\": 3, \"nodes\": [], \"edges\": []}".utf8))
            #expect(wrongTypes.status == 400 && wrongTypes.errorCode == "invalid_body", "\(wrongTypes.text)")
            let missing = try await post(Data("{\"name\": \"x\", \"edges\": []}".utf8))
            #expect(missing.status == 400 && missing.text.contains("nodes"), "\(missing.text)")
            let oversized = try await post(Data(("{\"name\": \"" + String(repeating: "x", count: 10_000) + "\", \"nodes\": [], \"edges\": []}").utf8))
            #expect(oversized.status == 413, "\(oversized.text)")
            var withNUL = irisWorkflowJSON()
            withNUL["nodes"] = [["id": "a\u{0}b", "type": "dataset"]]
            let nul = try await server.send("POST", "/api/workflows", token: token, json: withNUL)
            #expect(nul.status == 400 && nul.errorCode == "invalid_body", "\(nul.text)")
            let emptyName = try await server.send("POST", "/api/workflows", token: token, json: ["name": " ", "nodes": [], "edges": []])
            #expect(emptyName.status == 400 && emptyName.errorCode == "invalid_field")

            let unknown = UUID().uuidString
            for path in ["/api/workflows/\(unknown)", "/api/jobs/\(unknown)", "/api/datasets/\(unknown)", "/api/snapshots/\(unknown)", "/api/jobs/not-an-id"] {
                let reply = try await server.send("GET", path, token: token)
                #expect(reply.status == 404 && reply.errorCode == "not_found", "\(path): \(reply.text)")
            }
            let badFilter = try await server.send("GET", "/api/jobs?status=sleeping", token: token)
            #expect(badFilter.status == 400 && badFilter.errorCode == "invalid_parameter")
            let badPage = try await server.send("GET", "/api/workflows?limit=100000", token: token)
            #expect(badPage.status == 400)

            #expect(try await server.send("GET", "/api/workflows", token: token).json["total"] as? Int == 0)
        }
    }

    @Test func tokensAreCreatedAndRevoked() async throws {
        try await withAPIServer { server in
            let created = try await server.send("POST", "/api/me/tokens", token: server.alice.token, json: ["name": "laptop"])
            #expect(created.status == 201)
            let token = try #require(created.json["token"] as? String)
            let id = try #require(created.json["id"] as? String)
            #expect(try await server.send("GET", "/api/me", token: token).json["name"] as? String == "alice")
            #expect(try await server.send("GET", "/api/me/tokens", token: token).list.count == 2)
            #expect(try await server.send("DELETE", "/api/me/tokens/\(id)", token: server.bob.token).status == 404)
            #expect(try await server.send("DELETE", "/api/me/tokens/\(id)", token: server.alice.token).status == 204)
            let revoked = try await server.send("GET", "/api/me", token: token)
            #expect(revoked.status == 401 && revoked.errorCode == "unauthorized")
            #expect(revoked.headers["www-authenticate"] == "Bearer")
        }
    }

    @Test func operatorsManageUsersCreditsAndTheQueue() async throws {
        try await withAPIServer { server in
            let admin = server.adminToken
            let created = try await server.send("POST", "/api/admin/users", token: admin, json: ["name": "carol", "credits": 50])
            #expect(created.status == 201, "\(created.text)")
            let carolToken = try #require(created.json["token"] as? String)
            let carolID = try #require((created.json["user"] as? [String: Any])?["id"] as? String)
            #expect(try await server.send("POST", "/api/admin/users", token: admin, json: ["name": "carol"]).errorCode == "name_taken")

            let granted = try await server.send("POST", "/api/admin/users/\(carolID)/credits", token: admin, json: ["amount": 25, "note": "welcome"])
            #expect(granted.json["credits"] as? Int == 75)
            #expect(try await server.send("GET", "/api/me", token: carolToken).json["credits"] as? Int == 75)
            let ledger = try await server.send("GET", "/api/me/ledger", token: carolToken).list
            #expect(ledger.map { $0["amount"] as? Int } == [50, 25])
            let overdraw = try await server.send("POST", "/api/admin/users/\(carolID)/credits", token: admin, json: ["amount": -1000])
            #expect(overdraw.status == 409)

            let instance = UUID()
            try await Workers(pool: server.services.pool).register(WorkerRegistration(instanceID: instance, name: "w1", host: "10.0.0.7", capacity: 4))
            let workers = try await server.send("GET", "/api/admin/workers", token: admin).list
            #expect(workers.map { $0["name"] as? String } == ["w1"])
            #expect(workers.first?["slots"] as? Int == 4 && workers.first?["state"] as? String == "active")
            let drained = try await server.send("POST", "/api/admin/workers/\(instance)/drain", token: admin)
            #expect(drained.status == 202 && drained.json["state"] as? String == "draining")
            #expect(try await server.send("GET", "/api/admin/workers", token: admin).list.first?["state"] as? String == "draining")
            #expect(try await server.send("POST", "/api/admin/workers/\(UUID())/undrain", token: admin).status == 404)

            let queue = try await server.send("GET", "/api/admin/queue", token: admin)
            #expect((queue.json["counts"] as? [String: Int])?["queued"] == 0)
            #expect(try await server.send("GET", "/api/admin/users", token: admin).list.count == 4)
        }
    }

    /// Ids go out lowercase and are read in either case; a property without a value is null,
    /// never missing; the dataset listing is a page like the others.
    @Test func responsesHaveOneShapeAndLowercaseIDs() async throws {
        try await withAPIServer { server in
            try await SampleInstaller.install(into: server.services.datasets)
            let alice = server.alice.token
            let workflow = try await server.send("POST", "/api/workflows", token: alice, json: irisWorkflowJSON())
            let workflowID = try #require(workflow.json["id"] as? String)
            #expect(workflowID == workflowID.lowercased() && UUID(uuidString: workflowID) != nil)
            let job = try await server.send("POST", "/api/workflows/\(workflowID.uppercased())/execute", token: alice)
            #expect(job.status == 202, "\(job.text)")
            let jobID = try #require(job.json["id"] as? String)
            for key in ["id", "user_id", "workflow_snapshot_id", "dataset_id"] {
                let value = try #require(job.json[key] as? String, "\(key) in \(job.text)")
                #expect(value == value.lowercased(), "\(key): \(value)")
            }
            #expect(job.json["user_id"] as? String == server.alice.user.id.uuidString.lowercased())

            // A queued job: every one of the seed's properties is there, the unknown ones null.
            let fetched = try await server.send("GET", "/api/jobs/\(jobID.uppercased())", token: alice)
            #expect(fetched.status == 200)
            for key in ["id", "user_id", "workflow_snapshot_id", "status", "credit_cost", "started_at", "completed_at", "error_message", "attempt", "duration_seconds"] {
                #expect(fetched.json.keys.contains(key), "\(key) is missing from \(fetched.text)")
            }
            for key in ["credit_cost", "started_at", "completed_at", "error_message", "duration_seconds"] {
                #expect(fetched.json[key] is NSNull, "\(key) should be null: \(fetched.text)")
            }
            #expect(fetched.json["id"] as? String == jobID)
            let tokens = try await server.send("GET", "/api/me/tokens", token: alice).list
            let token = tokens.first ?? [:]
            #expect(token["revoked_at"] is NSNull && token["token"] is NSNull, "\(tokens)")
            let refused = try await server.send("GET", "/api/jobs/\(UUID())", token: alice)
            #expect((refused.json["error"] as? [String: Any])?["details"] is NSNull, "\(refused.text)")

            // Datasets come a page at a time, newest first, the samples included.
            let all = try await server.send("GET", "/api/datasets?limit=200", token: alice)
            #expect(all.json["total"] as? Int == 7 && all.items.count == 7)
            let page = try await server.send("GET", "/api/datasets?limit=3&offset=2", token: alice)
            #expect(page.json["limit"] as? Int == 3 && page.json["offset"] as? Int == 2 && page.json["total"] as? Int == 7)
            #expect(page.items.compactMap { $0["id"] as? String } == all.items[2..<5].compactMap { $0["id"] as? String })
            #expect(page.items.allSatisfy { $0.keys.contains("rows") && $0.keys.contains("error_message") && $0["profile"] is NSNull })
            let past = try await server.send("GET", "/api/datasets?offset=7", token: alice)
            #expect(past.status == 200 && past.items.isEmpty && past.json["total"] as? Int == 7)
        }
    }
}
