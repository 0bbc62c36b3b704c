import ArgumentParser
import Foundation
import LoomWorkflow

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `loom datasets`: upload, list, show.
struct Datasets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload CSV files and look at datasets and their profiles.",
        subcommands: [Upload.self, List.self, Show.self],
        defaultSubcommand: List.self
    )

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload a CSV file; a worker ingests it.")
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "The dataset's name (default: the file's name).") var name: String?
        @Flag(help: "Wait until a worker has ingested it, then print its profile.") var wait = false
        @OptionGroup var options: ClientOptions

        func run() async throws {
            guard let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int else {
                throw ValidationError("cannot read \(file)")
            }
            let name = name ?? (file as NSString).lastPathComponent
            try await runClient(options) { client in
                var components = URLComponents(url: client.url("/api/datasets"), resolvingAgainstBaseURL: true)!
                components.queryItems = [URLQueryItem(name: "name", value: name)]
                var request = URLRequest(url: components.url!)
                request.httpMethod = "POST"
                request.setValue("text/csv", forHTTPHeaderField: "Content-Type")
                if let token = client.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                let terminal = Terminal(enabled: !options.json)
                let progress = UploadProgress(total: size, terminal: terminal)
                let (data, response) = try await URLSession.shared.upload(for: request, fromFile: URL(fileURLWithPath: file), delegate: progress)
                progress.finish()
                try client.check(response, data)
                let reply = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
                let dataset = reply["dataset"] as? [String: Any] ?? [:]
                let id = dataset["id"] as? String ?? ""
                if !wait {
                    if options.json { return print(String(decoding: data, as: UTF8.self)) }
                    return print("dataset \(id) (\(name), \(size) bytes) is being ingested by job \((reply["job"] as? [String: Any])?["id"] as? String ?? "")")
                }
                if !options.json { print("dataset \(id) (\(name), \(size) bytes): a worker is ingesting it") }
                while true {
                    let data = try await client.send("GET", "/api/datasets/\(id)")
                    let record = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
                    let status = record["status"] as? String ?? ""
                    if status != "uploading" && status != "ingesting" {
                        if options.json { print(String(decoding: data, as: UTF8.self)) } else { printProfile(record) }
                        if status != "ready" { throw ExitCode.failure }
                        return
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your datasets and the bundled samples.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                if options.json { return print(String(decoding: try await client.send("GET", "/api/datasets?limit=200"), as: UTF8.self)) }
                let terminal = Terminal()
                let datasets = try await client.list("/api/datasets?limit=200")
                print(terminal.table([["dataset", "name", "status", "rows", "columns", "bytes"]] + datasets.map { dataset in
                    [dataset["id"] as? String ?? "", dataset["name"] as? String ?? "", terminal.status(dataset["status"] as? String ?? ""),
                     "\(dataset["rows"] as? Int ?? 0)", "\(dataset["columns"] as? Int ?? 0)", "\(dataset["bytes"] as? Int ?? 0)"]
                }))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A dataset's profile: each column's type, missing values, range.")
        @Argument(help: "The dataset id.") var dataset: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                let data = try await client.send("GET", "/api/datasets/\(dataset)")
                if options.json { return print(String(decoding: data, as: UTF8.self)) }
                printProfile(try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
            }
        }
    }
}

/// A dataset's status line and, once ingested, its profile as a table.
private func printProfile(_ record: [String: Any]) {
    let terminal = Terminal()
    print("\(record["name"] as? String ?? "") · \(terminal.status(record["status"] as? String ?? "")) · \(record["rows"] as? Int ?? 0) rows × \(record["columns"] as? Int ?? 0) columns")
    if let error = record["error_message"] as? String { print(terminal.paint(error, .red)) }
    guard let profile = record["profile"] as? [String: Any], let columns = profile["columns"] as? [[String: Any]] else { return }
    func number(_ value: Any?) -> String { (value as? Double).map { String(format: "%.4g", $0) } ?? "–" }
    print(terminal.table([["column", "type", "missing", "distinct", "min", "mean", "max"]] + columns.map { column in
        let numeric = column["numeric"] as? [String: Any]
        let distinct = column["distinct"] as? [String: Any]
        return [column["name"] as? String ?? "", column["type"] as? String ?? "", "\(column["missing"] as? Int ?? 0)",
                "\(distinct?["estimated"] as? Bool == true ? "~" : "")\(distinct?["value"] as? Int ?? 0)",
                number(numeric?["min"]), number(numeric?["mean"]), number(numeric?["max"])]
    }))
}

/// A progress bar for an upload, redrawn in place on a terminal.
final class UploadProgress: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // URLSession calls the delegate on its own serial queue; `finish` runs after the upload.
    private let total: Int
    private let terminal: Terminal

    init(total: Int, terminal: Terminal) {
        self.total = total
        self.terminal = terminal
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64, totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        guard terminal.isInteractive, terminal.enabled, total > 0 else { return }
        let fraction = Double(totalBytesSent) / Double(total)
        FileHandle.standardOutput.write(Data("\r  uploading \(Terminal.bar(fraction)) \(String(format: "%3.0f%%", fraction * 100))".utf8))
    }

    func finish() {
        if terminal.isInteractive, terminal.enabled { FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8)) }
    }
}

/// `loom workflows`: validate (against the server's datasets) and list.
struct Workflows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check workflow files against the coordinator, and list yours.",
        subcommands: [Validate.self, List.self],
        defaultSubcommand: List.self
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every problem with a workflow file, with its node and field.")
        @Argument(help: "A workflow file, or an example's name.") var workflow: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            var data = FileManager.default.contents(atPath: workflow)
            if data == nil, WorkflowExamples.names.contains(workflow) { data = Data(try WorkflowExamples.json(workflow)) }
            guard let data, let document = try? JSONSerialization.jsonObject(with: data) else {
                throw ValidationError("\(workflow) is not a readable JSON file or an example")
            }
            try await runClient(options) { client in
                let reply = try await client.object("POST", "/api/workflows/validate", json: document)
                if options.json { return print(String(decoding: try JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys]), as: UTF8.self)) }
                let issues = reply["issues"] as? [[String: Any]] ?? []
                guard !issues.isEmpty else { return print(Terminal().paint("valid", .green)) }
                let terminal = Terminal()
                for issue in issues {
                    let place = [issue["node_id"] as? String, issue["field"] as? String].compactMap { $0 }.joined(separator: ", ")
                    print(terminal.paint("✗ ", .red) + (place.isEmpty ? "" : "\(place): ") + "\(issue["message"] as? String ?? "") [\(issue["code"] as? String ?? "")]")
                }
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your workflows, most recently changed first.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                if options.json { return print(String(decoding: try await client.send("GET", "/api/workflows?limit=200"), as: UTF8.self)) }
                let workflows = try await client.list("/api/workflows?limit=200")
                print(Terminal().table([["workflow", "name", "version", "updated"]] + workflows.map { workflow in
                    [workflow["id"] as? String ?? "", workflow["name"] as? String ?? "", "\(workflow["version"] as? Int ?? 0)", shortTime(workflow["updated_at"])]
                }))
            }
        }
    }
}
