import ArgumentParser
import Foundation

/// `loom jobs`: list, show, cancel, retry.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect, cancel and retry your jobs.",
        subcommands: [List.self, Show.self, Cancel.self, Retry.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your jobs, newest first.")
        @Option(help: "Only jobs with this status (pending, queued, running, completed, failed, cancelled).") var status: String?
        @Option(help: "How many.") var limit = 20
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                var path = "/api/jobs?limit=\(limit)"
                if let status { path += "&status=\(status)" }
                let data = try await client.send("GET", path)
                if options.json { return print(String(decoding: data, as: UTF8.self)) }
                let jobs = try await client.list(path)
                let terminal = Terminal()
                print(terminal.table([["job", "kind", "status", "created", "duration", "credits"]] + jobs.map { job in
                    [job["id"] as? String ?? "", job["kind"] as? String ?? "", terminal.status(job["status"] as? String ?? ""),
                     shortTime(job["created_at"]), (job["duration_seconds"] as? Double).map { String(format: "%.1f s", $0) } ?? "–",
                     "\(job["credit_cost"] as? Int ?? job["credit_estimate"] as? Int ?? 0)"]
                }))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A job, its nodes and its results.")
        @Argument(help: "The job id.") var job: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                let job = try await client.object("GET", "/api/jobs/\(self.job)")
                let nodes = try await client.list("/api/jobs/\(self.job)/nodes")
                let results = try await client.object("GET", "/api/jobs/\(self.job)/results")
                if options.json {
                    let all: [String: Any] = ["job": job, "nodes": nodes, "results": results]
                    return print(String(decoding: try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
                }
                let terminal = Terminal()
                print("job \(job["id"] as? String ?? "") · \(job["kind"] as? String ?? "") · \(terminal.status(job["status"] as? String ?? "")) · attempt \(job["attempt"] as? Int ?? 0) of \(job["max_tries"] as? Int ?? 0)")
                if let error = job["error_message"] as? String { print(terminal.paint("error: \(error)", .red)) }
                print("credits: estimate \(job["credit_estimate"] as? Int ?? 0), charged \(job["credit_cost"].map { "\($0)" } ?? "–")")
                if !nodes.isEmpty {
                    print()
                    print(terminal.table([["node", "status", "time", "error"]] + nodes.map { node in
                        [node["node_id"] as? String ?? "", terminal.status(node["status"] as? String ?? ""),
                         (node["duration_seconds"] as? Double).map { String(format: "%.2f s", $0) } ?? "–", node["error_message"] as? String ?? ""]
                    }))
                }
                if let events = results["metrics"] as? [String: [String: Any]], !events.isEmpty {
                    // Each node's last metrics event; its values are under "metrics".
                    let metrics = events.mapValues { ($0["metrics"] as? [String: Any]) ?? $0 }
                    print()
                    printMetrics(metrics, terminal: terminal)
                }
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job (a running one stops within a second).")
        @Argument(help: "The job id.") var job: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                let job = try await client.object("POST", "/api/jobs/\(self.job)/cancel")
                print("job \(self.job): \(job["status"] as? String ?? "")\(job["cancel_requested"] as? Bool == true && job["status"] as? String == "running" ? " (cancel requested)" : "")")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a finished workflow job again, as a new job from the same snapshot.")
        @Argument(help: "The job id.") var job: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                let job = try await client.object("POST", "/api/jobs/\(self.job)/retry")
                print(job["id"] as? String ?? "")
            }
        }
    }
}

/// Runs a client command: an API error is printed as one line (and its issues), exit 1.
func runClient(_ options: ClientOptions, _ body: (APIClient) async throws -> Void) async throws {
    let client = try options.client()
    do {
        try await body(client)
    } catch let failure as APIClient.Failure {
        Terminal().fail(failure.description)
        throw ExitCode(1)
    }
}

/// Metrics of several models side by side: one row per model node, one column per metric.
func printMetrics(_ metrics: [String: [String: Any]], terminal: Terminal) {
    let nodes = metrics.keys.sorted()
    var names: [String] = []
    for node in nodes {
        for (key, value) in metrics[node] ?? [:] where value is Double || value is Int {
            if !names.contains(key) { names.append(key) }
        }
    }
    names.sort()
    print(terminal.table([["node", ""] + names] + nodes.map { node in
        [node, ""] + names.map { name in (metrics[node]?[name] as? Double).map { String(format: "%.4f", $0) } ?? "–" }
    }))
}

func shortTime(_ value: Any?) -> String {
    guard let text = value as? String else { return "–" }
    return String(text.replacingOccurrences(of: "T", with: " ").prefix(19))
}

extension Terminal {
    /// A job or node status, coloured by meaning.
    func status(_ status: String) -> String {
        switch status {
        case "completed": paint(status, .green)
        case "failed": paint(status, .red)
        case "running": paint(status, .blue)
        case "cancelled", "skipped": paint(status, .yellow)
        default: status
        }
    }
}
