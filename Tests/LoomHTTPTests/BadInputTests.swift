import Foundation
import LoomHTTP
import LoomStore
import Testing

/// Bad input on every route that takes any: malformed JSON, wrong types, missing fields,
/// oversized bodies, unknown and malformed ids, bad query parameters, bad uploads, a cyclic
/// workflow. Each gets its specific status and error code, and leaves the database as it
/// was. Each answer is also checked against the OpenAPI document.
@Suite struct BadInputTests {
    struct Case {
        var method: String
        var path: String
        var token: String
        var body: Data? = nil
        var contentType: String? = "application/json"
        var status: Int
        var code: String
    }

    @Test func everyRouteRefusesBadInputAndChangesNothing() async throws {
        var configuration = APIConfiguration()
        configuration.maxJSONBody = 4_000
        configuration.maxUpload = 4_000
        try await withAPIServer(configuration: configuration) { server in
            try await SampleInstaller.install(into: server.services.datasets)
            let alice = server.alice.token
            let admin = server.adminToken
            let workflow = try #require(try await server.send("POST", "/api/workflows", token: alice, json: irisWorkflowJSON()).json["id"] as? String)
            let bob = server.bob.user.id.uuidString.lowercased()

            var cases: [Case] = []
            func text(_ string: String) -> Data { Data(string.utf8) }
            let oversized = text("{\"name\": \"" + String(repeating: "x", count: 5_000) + "\"}")

            // Every route with a JSON body: the same four kinds of bad body, and its own
            // wrong type and missing field.
            let bodies: [(method: String, path: String, token: String, wrongType: String, missing: String)] = [
                ("POST", "/api/workflows", alice, #"{"name": 3, "nodes": [], "edges": []}"#, #"{"name": "x", "edges": []}"#),
                ("POST", "/api/workflows/validate", alice, #"{"nodes": {}, "edges": []}"#, #"{"nodes": []}"#),
                ("PUT", "/api/workflows/\(workflow)", alice, #"{"name": "x", "nodes": [], "edges": [], "version": "one"}"#, #"{"edges": []}"#),
                ("POST", "/api/me/tokens", alice, #"{"name": 3}"#, #"{"label": "laptop"}"#),
                ("POST", "/api/admin/users", admin, #"{"name": "dave", "credits": "many"}"#, #"{"credits": 5}"#),
                ("POST", "/api/admin/users/\(bob)/credits", admin, #"{"amount": "lots"}"#, #"{"note": "x"}"#),
                ("POST", "/api/admin/users/\(bob)/tokens", admin, #"{"name": ["ci"]}"#, #"{}"#),
            ]
            for route in bodies {
                cases += [
                    Case(method: route.method, path: route.path, token: route.token, body: text("{\"name\": "), status: 400, code: "invalid_json"),
                    Case(method: route.method, path: route.path, token: route.token, body: Data(), status: 400, code: "invalid_json"),
                    Case(method: route.method, path: route.path, token: route.token, body: text(route.wrongType), status: 400, code: "invalid_body"),
                    Case(method: route.method, path: route.path, token: route.token, body: text(route.missing), status: 400, code: "invalid_body"),
                    Case(method: route.method, path: route.path, token: route.token, body: oversized, status: 413, code: "body_too_large"),
                ]
            }
            // Values of the right type that are not allowed.
            cases += [
                Case(method: "POST", path: "/api/workflows", token: alice, body: text(#"{"name": " ", "nodes": [], "edges": []}"#), status: 400, code: "invalid_field"),
                Case(method: "POST", path: "/api/me/tokens", token: alice, body: text(#"{"name": ""}"#), status: 400, code: "invalid_field"),
                Case(method: "POST", path: "/api/admin/users", token: admin, body: text(#"{"name": "dave", "credits": -5}"#), status: 400, code: "invalid_field"),
                Case(method: "POST", path: "/api/admin/users/\(bob)/credits", token: admin, body: text(#"{"amount": -100000}"#), status: 409, code: "insufficient_credits"),
                Case(method: "POST", path: "/api/admin/users", token: admin, body: text(#"{"name": "alice"}"#), status: 409, code: "name_taken"),
            ]

            // Every route with an id: an unknown one and one that is no id at all.
            let valid = text(#"{"name": "x", "amount": 1}"#)
            let iris = try JSONSerialization.data(withJSONObject: irisWorkflowJSON())
            let identified: [(method: String, template: String, token: String, body: Data?)] = [
                ("GET", "/api/workflows/{}", alice, nil), ("PUT", "/api/workflows/{}", alice, iris),
                ("DELETE", "/api/workflows/{}", alice, nil), ("POST", "/api/workflows/{}/execute", alice, nil),
                ("GET", "/api/workflows/{}/stream", alice, nil),
                ("GET", "/api/jobs/{}", alice, nil), ("GET", "/api/jobs/{}/nodes", alice, nil), ("GET", "/api/jobs/{}/results", alice, nil),
                ("GET", "/api/jobs/{}/artifacts", alice, nil), ("GET", "/api/jobs/{}/artifacts/roc.svg", alice, nil),
                ("GET", "/api/jobs/{}/predictions.csv?node=model", alice, nil),
                ("POST", "/api/jobs/{}/cancel", alice, nil), ("POST", "/api/jobs/{}/retry", alice, nil),
                ("GET", "/api/snapshots/{}", alice, nil), ("POST", "/api/snapshots/{}/run", alice, nil),
                ("GET", "/api/datasets/{}", alice, nil), ("DELETE", "/api/datasets/{}", alice, nil),
                ("DELETE", "/api/me/tokens/{}", alice, nil),
                ("POST", "/api/admin/jobs/{}/requeue", admin, nil), ("POST", "/api/admin/jobs/{}/cancel", admin, nil),
                ("POST", "/api/admin/users/{}/credits", admin, valid), ("GET", "/api/admin/users/{}/tokens", admin, nil),
                ("POST", "/api/admin/users/{}/tokens", admin, valid), ("DELETE", "/api/admin/tokens/{}", admin, nil),
                ("POST", "/api/admin/workers/{}/drain", admin, nil), ("POST", "/api/admin/workers/{}/undrain", admin, nil),
            ]
            for route in identified {
                for id in [UUID().uuidString.lowercased(), UUID().uuidString, "not-an-id"] {
                    let path = route.template.replacingOccurrences(of: "{}", with: id)
                    cases.append(Case(method: route.method, path: path, token: route.token, body: route.body, status: 404, code: "not_found"))
                }
            }

            // Query parameters.
            for query in ["/api/workflows?limit=0", "/api/workflows?offset=-1", "/api/jobs?status=sleeping", "/api/jobs?workflow=last-one",
                          "/api/jobs?since=yesterday", "/api/jobs?limit=100000", "/api/datasets?limit=abc", "/api/datasets?offset=-3"] {
                cases.append(Case(method: "GET", path: query, token: alice, status: 400, code: "invalid_parameter"))
            }
            cases += [
                Case(method: "GET", path: "/api/admin/users?limit=0", token: admin, status: 400, code: "invalid_parameter"),
                Case(method: "GET", path: "/api/workflows/\(UUID())/stream?after=-1", token: alice, status: 400, code: "invalid_after"),
            ]

            // Uploads.
            let csv = text("a,b\n1,2\n")
            cases += [
                Case(method: "POST", path: "/api/datasets", token: alice, body: csv, contentType: "image/png", status: 415, code: "unsupported_media_type"),
                Case(method: "POST", path: "/api/datasets", token: alice, body: Data(), contentType: "text/csv", status: 400, code: "empty_upload"),
                Case(method: "POST", path: "/api/datasets?name=sample:mine", token: alice, body: csv, contentType: "text/csv", status: 400, code: "invalid_parameter"),
                Case(method: "POST", path: "/api/datasets", token: alice, body: Data(repeating: UInt8(ascii: "1"), count: 5_000), contentType: "text/csv", status: 413, code: "upload_too_large"),
            ]

            // A cyclic workflow is stored as a draft, and executing it is refused, saying why.
            var cyclic = irisWorkflowJSON()
            cyclic["edges"] = (cyclic["edges"] as! [[String: Any]]) + [["source": "evaluate", "target": "split"]]
            let cyclicID = try #require(try await server.send("POST", "/api/workflows", token: alice, json: cyclic).json["id"] as? String)
            cases.append(Case(method: "POST", path: "/api/workflows/\(cyclicID)/execute", token: alice, status: 422, code: "invalid_workflow"))

            let document = try OpenAPIDocument(try await server.send("GET", "/api/openapi.json").body)
            let api = CheckedClient(server: server, document: document)
            for bad in cases {
                let before = try await server.databaseDigest()
                let reply = try await api.send(bad.method, bad.path, token: bad.token, body: bad.body, contentType: bad.body == nil ? nil : bad.contentType, expect: bad.status)
                #expect(reply.errorCode == bad.code, "\(bad.method) \(bad.path): \(reply.text)")
                #expect(try await server.databaseDigest() == before, "\(bad.method) \(bad.path) was refused but changed the database")
            }
            let refusal = try await server.send("POST", "/api/workflows/\(cyclicID)/execute", token: alice)
            let issues = (refusal.json["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []
            #expect(issues.contains { $0["code"] as? String == "cycle" }, "\(refusal.text)")
        }
    }
}
