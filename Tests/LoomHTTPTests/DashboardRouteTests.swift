import Foundation
import LoomHTTP
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The dashboard's files and the catalog, over HTTP.
@Suite struct DashboardRouteTests {
    @Test func thePageAndItsFilesAreServedWithTypesAndRevalidation() async throws {
        try await withAPIServer { server in
            let page = try await server.send("GET", "/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["cache-control"] == "no-cache")
            #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
            #expect(page.text.contains("/dashboard/js/main.js"))
            #expect(try await server.send("GET", "/dashboard").status == 200)

            let script = try await server.send("GET", "/dashboard/js/main.js")
            #expect(script.status == 200)
            #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
            #expect(script.headers["x-content-type-options"] == "nosniff")
            let etag = try #require(script.headers["etag"])
            #expect(try await server.send("GET", "/dashboard/css/app.css").headers["content-type"] == "text/css; charset=utf-8")
            #expect(try await server.send("GET", "/dashboard/favicon.svg").headers["content-type"] == "image/svg+xml")

            var request = URLRequest(url: URL(string: server.baseURL + "/dashboard/js/main.js")!)
            request.setValue(etag, forHTTPHeaderField: "If-None-Match")
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 304)

            #expect(try await server.send("GET", "/dashboard/js/nothing.js").status == 404)
            #expect(try await server.send("GET", "/dashboard/../../Package.swift").status == 404)
            #expect(try await server.send("GET", "/dashboard/%2e%2e/%2e%2e/Package.swift").status == 404)
        }
    }

    @Test func everyModuleTheScriptsImportIsServed() async throws {
        try await withAPIServer { server in
            var pending = ["js/main.js"]
            var seen = Set<String>()
            while let path = pending.popLast() {
                guard seen.insert(path).inserted else { continue }
                let reply = try await server.send("GET", "/dashboard/" + path)
                #expect(reply.status == 200, "\(path)")
                for match in reply.text.matches(of: /from "(\.[^"]+)"/) {
                    pending.append(Self.resolve(String(match.output.1), from: path))
                }
            }
            #expect(seen.count > 10)
        }
    }

    /// `../dom.js` imported by `js/views/jobs.js` is `js/dom.js`.
    static func resolve(_ relative: String, from path: String) -> String {
        var parts = path.split(separator: "/").dropLast().map(String.init)
        for part in relative.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    @Test func theCatalogDescribesEveryAlgorithmAndMethodFromTheSwiftDefinitions() async throws {
        try await withAPIServer { server in
            let reply = try await server.send("GET", "/api/catalog")  // public: no token
            #expect(reply.status == 200)
            let catalog = reply.json
            let algorithms = try #require(catalog["algorithms"] as? [String: [[String: Any]]])
            #expect(algorithms["classification"]?.count == 7)
            #expect(algorithms["regression"]?.count == 7)
            #expect(algorithms["clustering"]?.map { $0["name"] as? String } == ["kmeans", "dbscan"])
            func parameter(_ problem: String, _ algorithm: String, _ name: String) -> [String: Any]? {
                let entry = algorithms[problem]?.first { $0["name"] as? String == algorithm }
                return (entry?["hyperparameters"] as? [[String: Any]])?.first { $0["name"] as? String == name }
            }
            let c = try #require(parameter("classification", "logistic_regression", "C"))
            #expect(c["kind"] as? String == "number")
            #expect(c["default"] as? Double == 1.0)
            #expect(c["minimum"] as? Double == 0 && c["exclusive_minimum"] as? Bool == true)
            let trees = try #require(parameter("classification", "random_forest", "n_estimators"))
            #expect(trees["kind"] as? String == "integer" && trees["default"] as? Int == 100 && trees["minimum"] as? Int == 1)
            let criterion = try #require(parameter("classification", "random_forest", "criterion"))
            #expect(criterion["kind"] as? String == "choice")
            #expect((criterion["choices"] as? [String])?.contains("gini") == true)
            #expect(criterion["default"] as? String == "gini")
            #expect(parameter("classification", "random_forest", "max_depth")?["default"] == nil)
            #expect(parameter("classification", "random_forest", "max_features")?["default"] as? String == "sqrt")
            #expect(parameter("clustering", "kmeans", "k")?["default"] as? Int == 8)
            #expect(parameter("classification", "knn", "weights")?["kind"] as? String == "choice")
            #expect(parameter("classification", "naive_bayes", "var_smoothing")?["default"] as? Double == 1e-9)
            #expect(algorithms["regression"]?.first { $0["name"] as? String == "linear_regression" }?["hyperparameters"] as? [Any] != nil)
            // Every hyperparameter came out with a kind the canvas has a field for.
            for (_, list) in algorithms {
                for algorithm in list {
                    for parameter in algorithm["hyperparameters"] as? [[String: Any]] ?? [] {
                        #expect(["number", "integer", "boolean", "choice", "max_features"].contains(parameter["kind"] as? String ?? ""), "\(algorithm["name"] ?? "") \(parameter)")
                    }
                }
            }

            let methods = try #require(catalog["preprocessing"] as? [[String: Any]])
            #expect(methods.count >= 13)
            func method(_ name: String) -> [[String: Any]] {
                methods.first { $0["method"] as? String == name }?["parameters"] as? [[String: Any]] ?? []
            }
            #expect(method("standard_scaler").first { $0["name"] as? String == "with_mean" }?["default"] as? Bool == true)
            let strategy = try #require(method("simple_imputer").first { $0["name"] as? String == "strategy" })
            #expect(strategy["choices"] as? [String] == ["mean", "median", "most_frequent", "constant"])
            #expect(method("drop_columns").first { $0["name"] as? String == "columns" }?["required"] as? Bool == true)
            #expect(method("minmax_scaler").first { $0["name"] as? String == "feature_range" }?["kind"] as? String == "pair")
            for entry in methods {
                #expect(!(entry["parameters"] as? [Any] ?? []).isEmpty, "\(entry)")
            }

            let metrics = try #require(catalog["metrics"] as? [[String: Any]])
            #expect(metrics.contains { $0["name"] as? String == "accuracy" && $0["problem_type"] as? String == "classification" })
            let plots = try #require(catalog["plots"] as? [[String: Any]])
            #expect(plots.contains { $0["name"] as? String == "roc_curve" })
            let split = try #require(catalog["split"] as? [[String: Any]])
            #expect(split.first?["minimum"] as? Double == 0.1 && split.first?["maximum"] as? Double == 0.5)
        }
    }
}
