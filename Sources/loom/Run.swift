import ArgumentParser
import Foundation
import LoomColumnar
import LoomML
import LoomWorkflow
import Synchronization

/// `loom run`: runs a workflow on this machine, without a cluster, showing each node live.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a workflow on this machine and print its metrics.",
        discussion: """
            WORKFLOW is a workflow file (Sources/LoomWorkflow/README.md describes the format), or \
            the name of a bundled example: \(WorkflowExamples.names.joined(separator: ", ")). \
            Dataset nodes read the bundled samples by id (sample:iris, ...); --dataset points \
            every dataset node at a CSV file or sample instead. Plots, predictions and a JSON \
            summary are written to the output folder. Ctrl-C cancels the run.
            """
    )

    @Argument(help: "A workflow file, or the name of an example.")
    var workflow: String

    @Option(help: "A CSV file or sample id to use for every dataset node (or ID=FILE for one of them; repeatable).")
    var dataset: [String] = []

    @Option(help: "The folder for plots, predictions and result.json.")
    var output = "loom-output"

    @Flag(help: "Print the result as JSON instead of tables.")
    var json = false

    func run() async throws {
        let terminal = Terminal(enabled: !json)
        let document = try readWorkflow()

        // Validate with the datasets' profiles, so a wrong target column is named before anything runs.
        let parsed: Workflow
        do { parsed = try Workflow.parse(json: document) } catch {
            terminal.fail(error.description)
            throw ExitCode(2)
        }
        let datasets = LocalDatasets(overrides: try overrides(for: parsed))
        var tables: [String: Table] = [:]
        var infos: [String: DatasetInfo] = [:]
        for id in Set(parsed.nodes.compactMap { node -> String? in
            guard node.kind == .dataset, case .string(let id)? = node.data["datasetId"] ?? node.data["dataset_id"] else { return nil }
            return id
        }) {
            do {
                let (table, ingestion) = try datasets.load(id)
                tables[id] = table
                infos[id] = DatasetInfo(status: .ready, profile: ingestion.profile)
            } catch {
                terminal.fail("dataset '\(id)': \(error)")
                throw ExitCode(2)
            }
        }
        let plan: WorkflowPlan
        do { plan = try WorkflowValidator(datasets: infos).validate(parsed) } catch {
            terminal.fail(error.description)
            throw ExitCode(2)
        }

        let cancelled = Atomic(false)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        signal(SIGINT, SIG_IGN)
        interrupt.setEventHandler { cancelled.store(true, ordering: .relaxed) }
        interrupt.resume()
        defer { interrupt.cancel() }

        let progress = ProgressView(terminal: terminal, plan: plan)
        let result = await WorkflowExecutor(plan: plan, datasets: InMemoryDatasets(tables)).run(
            isCancelled: { cancelled.load(ordering: .relaxed) }, onEvent: progress.show)
        progress.finish()

        let folder = try write(result)
        if json {
            print(String(decoding: result.summaryJSON(), as: UTF8.self))
        } else {
            report(result, folder: folder, terminal: terminal)
        }
        switch result.status {
        case .completed: return
        case .failed: throw ExitCode(1)
        case .cancelled: throw ExitCode(130)
        }
    }

    private func readWorkflow() throws -> [UInt8] {
        if FileManager.default.fileExists(atPath: workflow) {
            guard let data = FileManager.default.contents(atPath: workflow) else {
                throw ValidationError("cannot read \(workflow)")
            }
            return Array(data)
        }
        if WorkflowExamples.names.contains(workflow) { return try WorkflowExamples.json(workflow) }
        throw ValidationError("no file \(workflow), and it is not an example (\(WorkflowExamples.names.joined(separator: ", ")))")
    }

    /// `--dataset FILE` stands in for every dataset node; `--dataset ID=FILE` for one.
    private func overrides(for workflow: Workflow) throws -> [String: String] {
        var overrides: [String: String] = [:]
        let ids = workflow.nodes.compactMap { node -> String? in
            if case .string(let id)? = node.data["datasetId"] ?? node.data["dataset_id"] { return id }
            return nil
        }
        for value in dataset {
            if let equals = value.firstIndex(of: "="), ids.contains(String(value[..<equals])) {
                overrides[String(value[..<equals])] = String(value[value.index(after: equals)...])
            } else {
                for id in ids { overrides[id] = value }
            }
        }
        return overrides
    }

    /// Writes plots, predictions and the summary; returns the folder.
    private func write(_ result: WorkflowResult) throws -> URL {
        let folder = URL(fileURLWithPath: output, isDirectory: true)
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for plot in result.plots {
            let nodeFolder = folder.appendingPathComponent(plot.nodeID, isDirectory: true)
            try manager.createDirectory(at: nodeFolder, withIntermediateDirectories: true)
            try Data(plot.bytes).write(to: nodeFolder.appendingPathComponent(plot.name))
        }
        for (node, table) in result.predictions {
            try Data(CSVWriter.csv(table).utf8).write(to: folder.appendingPathComponent("\(node)-predictions.csv"))
        }
        try Data(result.summaryJSON()).write(to: folder.appendingPathComponent("result.json"))
        return folder
    }

    private func report(_ result: WorkflowResult, folder: URL, terminal: Terminal) {
        print()
        if !result.models.isEmpty {
            let names = result.models.reduce(into: [String]()) { names, model in
                for name in (model.metrics?.metrics.keys.sorted() ?? []) where !names.contains(name) { names.append(name) }
            }
            var rows = [["model", "algorithm", "fit"] + names]
            for model in result.models {
                let values = names.map { name in model.metrics?.metrics[name].map { String(format: "%.4f", $0) } ?? "–" }
                rows.append([model.nodeID, model.algorithm, String(format: "%.2f s", model.fitTime.seconds)] + values)
            }
            print(terminal.table(rows))
            print()
        }
        let plots = result.plots.count
        print("\(plots) plot\(plots == 1 ? "" : "s"), predictions and result.json written to \(folder.path)")
        let summary = "\(result.status.rawValue) in \(String(format: "%.2f", result.totalTime.seconds)) s · cost \(result.creditCost) credits"
        switch result.status {
        case .completed: print(terminal.paint(summary, .green))
        case .failed: print(terminal.paint("\(summary) · \(result.failure?.description ?? "")", .red))
        case .cancelled: print(terminal.paint(summary, .yellow))
        }
    }
}
