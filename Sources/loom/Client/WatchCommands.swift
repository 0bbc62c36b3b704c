import ArgumentParser
import Foundation
import LoomHTTP
import NIOSSL
import LoomWorkflow
import Synchronization

/// `loom submit`: sends a workflow and executes it.
struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a workflow file (or an example's name) to the coordinator and execute it.",
        discussion: "Prints the job id; with --watch, follows the job live until it ends (exit 0 when it completed).")

    @Argument(help: "A workflow file, or the name of an example (\(WorkflowExamples.names.joined(separator: ", "))).")
    var workflow: String

    @Option(help: "The workflow's name (default: the file's name).")
    var name: String?

    @Flag(help: "Follow the job's nodes live until it ends.")
    var watch = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let bytes: [UInt8]
        if let data = FileManager.default.contents(atPath: workflow) {
            bytes = Array(data)
        } else if WorkflowExamples.names.contains(workflow) {
            bytes = try WorkflowExamples.json(workflow)
        } else {
            throw ValidationError("no file \(workflow), and it is not an example")
        }
        guard var document = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw ValidationError("\(workflow) is not a JSON object")
        }
        document["name"] = name ?? ((workflow as NSString).lastPathComponent as NSString).deletingPathExtension
        try await runClient(options) { client in
            let created = try await client.object("POST", "/api/workflows", json: document)
            guard let id = created["id"] as? String else { return }
            let job = try await client.object("POST", "/api/workflows/\(id)/execute")
            let jobID = job["id"] as? String ?? ""
            print(options.json ? String(decoding: try JSONSerialization.data(withJSONObject: job, options: [.sortedKeys]), as: UTF8.self) : jobID)
            if watch {
                let status = try await JobWatcher(client: client, job: jobID, terminal: Terminal(enabled: !options.json)).follow()
                if status != "completed" { throw ExitCode(1) }
            }
        }
    }
}

/// `loom watch JOB`: the job's nodes live, through the WebSocket stream.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a job live: each node's status and progress, the metrics, the end.",
        discussion: "Resumes after a dropped connection from the last event it received, so nothing is missed or shown twice.")

    @Argument(help: "The job id.") var job: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runClient(options) { client in
            let status = try await JobWatcher(client: client, job: job, terminal: Terminal(enabled: !options.json), printJSON: options.json).follow()
            if status != "completed" { throw ExitCode(1) }
        }
    }
}

/// Follows a job's stream, reconnecting with `?after=` the last sequence number seen.
struct JobWatcher {
    let client: APIClient
    let job: String
    let terminal: Terminal
    var printJSON = false

    /// For `wss://`: the system's trusted certificates.
    static let tls = try? NIOSSLContext(configuration: .makeClientConfiguration())

    /// The messages that end a job's stream.
    static let finalTypes: Set<String> = ["job_completed", "job_failed", "job_cancelled"]

    /// Returns the job's final status.
    func follow() async throws -> String {
        let state = Mutex<(after: Int64, final: String?)>((0, nil))
        var attempt = 0
        while true {
            let after = state.withLock { $0.after }
            // Browsers cannot set headers on a WebSocket, so the API takes the token as a
            // query parameter there too; the CLI uses the same way.
            var path = "/api/workflows/\(job)/stream?after=\(after)"
            if let token = client.token { path += "&token=\(token)" }
            do {
                _ = try await StreamClient.read(client.webSocketURL(path), tls: Self.tls) { text in
                    guard let event = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return true }
                    let seq = (event["seq"] as? NSNumber)?.int64Value ?? 0
                    let isNew = state.withLock { state -> Bool in
                        guard seq > state.after else { return false }
                        state.after = seq
                        if let type = event["type"] as? String, Self.finalTypes.contains(type) {
                            state.final = type == "job_completed" ? "completed" : event["status"] as? String ?? (type == "job_cancelled" ? "cancelled" : "failed")
                        }
                        return true
                    }
                    if isNew { show(event, text) }
                    return true
                }
                attempt = 0
            } catch {
                attempt += 1
                // A job that does not exist, or is not ours, will not appear by retrying.
                if attempt == 1 { _ = try await client.object("GET", "/api/jobs/\(job)") }
                if attempt > 8 { throw error }
            }
            if let final = state.withLock({ $0.final }) {
                finish(final)
                return final
            }
            // The connection dropped before the end: resume after a pause.
            try await Task.sleep(for: .milliseconds(min(5_000, 200 << min(attempt, 5))))
        }
    }

    private func show(_ event: [String: Any], _ text: String) {
        if printJSON { return print(text) }
        guard terminal.enabled else { return }
        let node = event["node_id"] as? String ?? ""
        let name = node.padding(toLength: max(18, node.count), withPad: " ", startingAt: 0)
        switch event["type"] as? String ?? "" {
        case "job_started": print(terminal.paint("job started (attempt \(event["attempt"] as? Int ?? 1))", .bold))
        case "node_status":
            let status = event["status"] as? String ?? ""
            let detail = (event["error"] as? String ?? event["message"] as? String).map { ": \($0)" } ?? ""
            print("  \(name)  \(terminal.status(status))\(status == "failed" || status == "skipped" ? detail : "")")
        case "node_progress":
            let fraction = event["progress"] as? Double ?? 0
            print("  \(name)  \(Terminal.bar(fraction)) \(String(format: "%3.0f%%", fraction * 100))")
        case "metrics":
            let values = (event["metrics"] as? [String: Any] ?? event).compactMap { key, value -> String? in
                guard let number = value as? Double, !["progress", "seq"].contains(key) else { return nil }
                return "\(key) \(String(format: "%.4f", number))"
            }.sorted()
            print(terminal.paint("      \(node): " + values.joined(separator: " · "), .dim))
        case "job_retrying": print(terminal.paint("the attempt failed; the job will be retried", .yellow))
        case "lease_expired": print(terminal.paint("the worker stopped answering; the job moves to another", .yellow))
        default: break
        }
    }

    private func finish(_ status: String) {
        guard terminal.enabled, !printJSON else { return }
        print(terminal.paint("job \(status)", status == "completed" ? .green : status == "cancelled" ? .yellow : .red))
    }
}
