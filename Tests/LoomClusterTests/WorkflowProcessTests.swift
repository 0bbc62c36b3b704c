import Foundation
import LoomColumnar
import LoomML
import LoomStore
import LoomWorkflow
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The whole path a user takes, over HTTP only, with a real coordinator and worker
/// processes: upload a CSV, let a worker ingest it, create a workflow, execute it, and
/// read its results; they must equal a local run of the same workflow on the same file.
@Suite("workflows over HTTP with real processes", .serialized)
struct WorkflowProcessTests {
    struct HTTP {
        let base: String
        let token: String

        func send(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil) async throws -> (Int, Data) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            if let json {
                request.httpBody = try JSONSerialization.data(withJSONObject: json)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            } else if let body {
                request.httpBody = body
                request.setValue("text/csv", forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, data)
        }

        func object(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil) async throws -> [String: Any] {
            let (_, data) = try await send(method, path, json: json, body: body)
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }
    }

    @Test("upload → ingest → create → execute → results, identical to a local run")
    func wholeFlow() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        let cluster = try Cluster(databaseURL: url)
        defer { Task { await cluster.stopAll() } }
        try cluster.startCoordinator()
        try cluster.startWorker("w1")
        try cluster.startWorker("w2")
        let token = try await Users(pool: Store(url: url).pool).create(name: "ada", credits: 100_000).token
        let http = HTTP(base: "http://127.0.0.1:\(cluster.httpPort)", token: token)
        try await eventually("the HTTP API answers", cluster: cluster) { (try? await http.send("GET", "/api/me").0) == 200 }

        let path = try SampleDatasets.path(id: "sample:penguins")
        let upload = try await http.object("POST", "/api/datasets?name=penguins.csv", body: try Data(contentsOf: URL(fileURLWithPath: path)))
        let datasetID = try #require((upload["dataset"] as? [String: Any])?["id"] as? String, "\(upload)")
        try await eventually("the upload is ingested", cluster: cluster) {
            try await http.object("GET", "/api/datasets/\(datasetID)")["status"] as? String == "ready"
        }

        // The classification example, pointed at the upload.
        var workflow = try JSONSerialization.jsonObject(with: Data(try WorkflowExamples.json("classification"))) as! [String: Any]
        var nodes = workflow["nodes"] as! [[String: Any]]
        var data = nodes[0]["data"] as! [String: Any]
        data["datasetId"] = datasetID
        nodes[0]["data"] = data
        workflow["nodes"] = nodes
        workflow["name"] = "penguins"
        let created = try await http.object("POST", "/api/workflows", json: workflow)
        let workflowID = try #require(created["id"] as? String, "\(created)")
        let job = try await http.object("POST", "/api/workflows/\(workflowID)/execute")
        let jobID = try #require(job["id"] as? String, "\(job)")
        try await eventually("the workflow job finishes", timeout: .seconds(120), cluster: cluster) {
            let status = try await http.object("GET", "/api/jobs/\(jobID)")["status"] as? String
            return status == "completed" || status == "failed"
        }
        let finished = try await http.object("GET", "/api/jobs/\(jobID)")
        #expect(finished["status"] as? String == "completed", "\(finished)\n\(cluster.logs)")
        #expect((finished["credit_cost"] as? Int ?? 0) > 0)

        // Every node completed, and the results equal a local run's on the same file.
        let (_, nodesData) = try await http.send("GET", "/api/jobs/\(jobID)/nodes")
        let nodeStates = (try JSONSerialization.jsonObject(with: nodesData) as? [[String: Any]] ?? []).map { $0["status"] as? String }
        #expect(nodeStates.count == 12 && nodeStates.allSatisfy { $0 == "completed" }, "\(nodeStates)")
        let results = try await http.object("GET", "/api/jobs/\(jobID)/results")
        let remote = try #require(results["metrics"] as? [String: [String: Any]], "\(results)")

        let local = await WorkflowExecutor(
            plan: try WorkflowValidator().validate(try WorkflowExamples.workflow("classification")), datasets: LocalDatasets()
        ).run()
        for (node, report) in local.evaluations {
            let values = try #require(remote[node], "no metrics for \(node) in \(remote)")
            let metrics = (values["metrics"] as? [String: Any]) ?? values
            for (name, value) in report.metrics {
                // Equal but for the last bit: Foundation's JSON parser on Linux does not
                // always round a 17-digit decimal to the nearest double.
                let remoteValue = try #require(metrics[name] as? Double, "\(node).\(name) missing")
                #expect(abs(remoteValue - value) <= 1e-13 * max(1, abs(value)), "\(node).\(name): cluster \(remoteValue), local \(value)")
            }
        }
        let (_, artifactsData) = try await http.send("GET", "/api/jobs/\(jobID)/artifacts")
        let artifacts = try JSONSerialization.jsonObject(with: artifactsData) as? [[String: Any]] ?? []
        #expect(artifacts.count == 5, "\(artifacts)")
        if let first = artifacts.first, let link = first["url"] as? String {
            let (status, svg) = try await http.send("GET", link)
            #expect(status == 200 && String(decoding: svg, as: UTF8.self).contains("<svg"))
        }
        let (csvStatus, csv) = try await http.send("GET", "/api/jobs/\(jobID)/predictions.csv?node=forest")
        let lines = String(decoding: csv, as: UTF8.self).split(separator: "\n")
        #expect(csvStatus == 200 && lines.first == "row,actual,predicted,probability_Adelie,probability_Chinstrap,probability_Gentoo", "\(lines.first ?? "")")
        #expect(lines.count == 1 + 86)
        await cluster.stopAll()
    }
}
