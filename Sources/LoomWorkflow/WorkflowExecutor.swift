import Foundation
import LoomColumnar
import LoomML
import Synchronization

/// Runs a validated workflow in-process: nodes in topological order, independent branches
/// at once, each node's status, progress, metrics and plots reported as they happen.
///
/// ```swift
/// let plan = try WorkflowValidator().validate(workflow)
/// let executor = WorkflowExecutor(plan: plan, datasets: InMemoryDatasets(["sample:iris": table]))
/// let result = await executor.run { event in print(event) }
/// ```
///
/// The work is grouped in units that run as one: loading a dataset; preparing the data of
/// a split (its preprocessing chain, fitted on the training rows only, and the split);
/// training a model; an evaluate node; a visualize node. When a node fails, every node
/// downstream of it is skipped, independent branches run on, and the run ends failed with
/// the first failure. `isCancelled` is polled between units and inside every fit, so a
/// cancelled run stops within a second and its unfinished nodes are skipped.
public struct WorkflowExecutor: Sendable {
    public struct Options: Sendable {
        /// Units running at once (each may use every core inside, e.g. a forest).
        public var maxConcurrentUnits: Int = 2
        /// At most one progress event per node per interval.
        public var progressInterval: Duration = .milliseconds(100)
        public var creditPolicy = CreditPolicy()
        public init() {}
    }

    public let plan: WorkflowPlan
    public let datasets: any DatasetSource
    public var options: Options

    public init(plan: WorkflowPlan, datasets: any DatasetSource, options: Options = Options()) {
        self.plan = plan
        self.datasets = datasets
        self.options = options
    }

    public func run(
        isCancelled: @escaping @Sendable () -> Bool = { false },
        onEvent: @escaping @Sendable (WorkflowEvent) -> Void = { _ in }
    ) async -> WorkflowResult {
        let start = ContinuousClock.now
        var run = RunState(plan: plan)
        let context = UnitContext(plan: plan, datasets: datasets, options: options, isCancelled: isCancelled, emit: onEvent)

        await withTaskGroup(of: UnitOutcome.self) { group in
            var running = 0
            while true {
                if !isCancelled() {
                    for unit in run.readyUnits().prefix(max(0, options.maxConcurrentUnits - running)) {
                        run.started(unit)
                        let inputs = run.inputs(for: unit)
                        group.addTask { await context.execute(unit, inputs) }
                        running += 1
                    }
                }
                guard running > 0, let outcome = await group.next() else { break }
                running -= 1
                for event in run.finished(outcome, cancelled: isCancelled()) { onEvent(event) }
            }
        }
        for event in run.skipUnfinished(because: isCancelled() ? "the job was cancelled" : "an input did not complete") {
            onEvent(event)
        }
        return run.result(cancelled: isCancelled(), totalTime: ContinuousClock.now - start, policy: options.creditPolicy)
    }
}

/// A piece of work the executor schedules; its nodes run together.
enum Unit: Hashable, Sendable {
    case load(String)
    /// Keyed by the split node, or by a model node fed without a split (clustering).
    case prepare(String)
    case train(String)
    case evaluate(String)
    case visualize(String)
}

/// What a finished unit hands to the units after it.
enum UnitOutput: Sendable {
    case table(Table)
    case prepared(PreparedData)
    case trained(TrainedModel, standardMetrics: MetricReport?)
    case report(MetricReport)
    case plots([WorkflowPlot])
}

struct UnitOutcome: Sendable {
    var unit: Unit
    var result: Result<UnitOutput, NodeFailure>
    /// Nodes that completed, with their run time.
    var completed: [(String, Duration)]
}

/// The executor's bookkeeping, owned by the scheduling loop alone.
struct RunState {
    let plan: WorkflowPlan
    var units: [Unit] = []
    var dependencies: [Unit: [Unit]] = [:]
    var nodesOf: [Unit: [String]] = [:]
    var outputs: [Unit: UnitOutput] = [:]
    var started: Set<Unit> = []
    var nodes: [String: WorkflowResult.NodeRun] = [:]
    var failure: NodeFailure?

    init(plan: WorkflowPlan) {
        self.plan = plan
        for id in plan.order {
            nodes[id] = WorkflowResult.NodeRun(state: .pending)
            switch plan.type(of: id) {
            case .dataset:
                add(.load(id), nodes: [id], after: [])
            case .preprocessing:
                break  // runs within the unit that prepares its path
            case .split:
                let path = plan.dataPath(to: id)
                add(.prepare(id), nodes: path.preprocessing + [id], after: [.load(path.dataset)])
            case .model:
                let path = plan.dataPath(to: id)
                if path.split == nil {
                    add(.prepare(id), nodes: path.preprocessing, after: [.load(path.dataset)])
                }
                add(.train(id), nodes: [id], after: [.prepare(path.split ?? id)])
            case .evaluate:
                add(.evaluate(id), nodes: [id], after: [.train(plan.model(of: id))])
            case .visualize:
                let after = plan.inputs(of: id).map { plan.type(of: $0) == .evaluate ? Unit.evaluate($0) : .train($0) }
                add(.visualize(id), nodes: [id], after: after)
            }
        }
    }

    private mutating func add(_ unit: Unit, nodes: [String], after: [Unit]) {
        units.append(unit)
        nodesOf[unit] = nodes
        dependencies[unit] = after
    }

    /// Units not started whose inputs are all done and none of whose nodes was skipped.
    func readyUnits() -> [Unit] {
        units.filter { unit in
            !started.contains(unit)
                && dependencies[unit]!.allSatisfy { outputs[$0] != nil }
                && nodesOf[unit]!.allSatisfy { nodes[$0]?.state == .pending }
        }
    }

    mutating func started(_ unit: Unit) { started.insert(unit) }

    func inputs(for unit: Unit) -> [Unit: UnitOutput] {
        var inputs: [Unit: UnitOutput] = [:]
        for dependency in dependencies[unit]! { inputs[dependency] = outputs[dependency] }
        return inputs
    }

    /// Records a finished unit; returns the events to send (a failure and the skips it causes).
    mutating func finished(_ outcome: UnitOutcome, cancelled: Bool) -> [WorkflowEvent] {
        for (node, duration) in outcome.completed {
            nodes[node] = WorkflowResult.NodeRun(state: .completed, duration: duration)
        }
        switch outcome.result {
        case .success(let output):
            outputs[outcome.unit] = output
            return []
        case .failure(let error) where cancelled && error.code == "cancelled":
            nodes[error.nodeID] = WorkflowResult.NodeRun(state: .skipped, message: "the job was cancelled")
            return [.nodeStatus(nodeID: error.nodeID, state: .skipped, duration: nil, message: "the job was cancelled")]
        case .failure(let error):
            if failure == nil { failure = error }
            nodes[error.nodeID] = WorkflowResult.NodeRun(state: .failed, message: error.message)
            var events: [WorkflowEvent] = [.nodeStatus(nodeID: error.nodeID, state: .failed, duration: nil, message: error.message)]
            let downstream = plan.descendants(of: error.nodeID)
            let reason = "'\(error.nodeID)' failed"
            for id in plan.order where downstream.contains(id) && nodes[id]?.state == .pending {
                nodes[id] = WorkflowResult.NodeRun(state: .skipped, message: reason)
                events.append(.nodeStatus(nodeID: id, state: .skipped, duration: nil, message: reason))
            }
            return events
        }
    }

    /// Marks every node still pending as skipped (a cancelled run, or nodes whose inputs
    /// never completed); returns their events.
    mutating func skipUnfinished(because reason: String) -> [WorkflowEvent] {
        var events: [WorkflowEvent] = []
        for id in plan.order where nodes[id]?.state == .pending || nodes[id]?.state == .running {
            nodes[id] = WorkflowResult.NodeRun(state: .skipped, message: reason)
            events.append(.nodeStatus(nodeID: id, state: .skipped, duration: nil, message: reason))
        }
        return events
    }

    func result(cancelled: Bool, totalTime: Duration, policy: CreditPolicy) -> WorkflowResult {
        var models: [WorkflowResult.ModelSummary] = []
        var evaluations: [String: MetricReport] = [:]
        var plots: [WorkflowPlot] = []
        var predictions: [String: Table] = [:]
        var sizes: [String: CreditPolicy.DatasetSize] = [:]
        for unit in units {
            switch (unit, outputs[unit]) {
            case (.load(let id), .table(let table)?):
                if case .dataset(let dataset) = plan.configurations[id] {
                    sizes[dataset.datasetID] = CreditPolicy.DatasetSize(rows: table.rowCount, columns: table.columns.count)
                }
            case (.evaluate(let id), .report(let report)?):
                evaluations[id] = report
            case (.visualize, .plots(let drawn)?):
                plots += drawn
            default:
                break
            }
        }
        for unit in units {
            guard case .train(let id) = unit, case .trained(let model, let standard)? = outputs[unit] else { continue }
            let evaluation = plan.outputs(of: id).first { evaluations[$0] != nil }.flatMap { evaluations[$0] }
            let importances = model.importances.map { values in
                zip(model.featureNames, values).map { (name: $0, importance: $1) }.sorted { $0.importance > $1.importance }
            }
            models.append(WorkflowResult.ModelSummary(
                nodeID: id, algorithm: model.algorithm, problemType: model.problemType, trainRows: model.trainRows,
                evaluatedRows: model.evaluatedRows.count, fitTime: model.fitTime, metrics: evaluation ?? standard,
                featureImportances: importances))
            predictions[id] = model.predictions()
        }
        let status: WorkflowResult.Status = cancelled ? .cancelled : failure != nil ? .failed : .completed
        return WorkflowResult(
            status: status, failure: cancelled ? nil : failure, nodes: nodes, models: models, evaluations: evaluations,
            plots: plots, predictions: predictions, totalTime: totalTime, creditCost: policy.cost(of: plan, sizes: sizes))
    }
}

/// What every unit needs; shared by the child tasks.
struct UnitContext: Sendable {
    let plan: WorkflowPlan
    let datasets: any DatasetSource
    let options: WorkflowExecutor.Options
    let isCancelled: @Sendable () -> Bool
    let emit: @Sendable (WorkflowEvent) -> Void

    func execute(_ unit: Unit, _ inputs: [Unit: UnitOutput]) async -> UnitOutcome {
        let tracker = NodeTracker(emit: emit)
        let result: Result<UnitOutput, NodeFailure>
        do {
            result = .success(try await output(of: unit, inputs, tracker))
        } catch let failure as NodeFailure {
            result = .failure(failure)
        } catch {
            result = .failure(NodeFailure(nodeID: "", code: "internal_error", message: "\(error)"))
        }
        return UnitOutcome(unit: unit, result: result, completed: tracker.completed)
    }

    private func output(of unit: Unit, _ inputs: [Unit: UnitOutput], _ tracker: NodeTracker) async throws -> UnitOutput {
        switch unit {
        case .load(let id):
            guard case .dataset(let dataset) = plan.configurations[id] else { preconditionFailure("not a dataset node") }
            tracker.start(id)
            do {
                let table = try await datasets.table(for: dataset.datasetID)
                tracker.complete(id)
                return .table(table)
            } catch {
                throw NodeFailure(nodeID: id, code: "dataset_unavailable", message: "the dataset '\(dataset.datasetID)' could not be read: \(error)")
            }

        case .prepare(let end):
            let path = plan.dataPath(to: end)
            guard case .table(let table)? = inputs[.load(path.dataset)], case .dataset(let dataset) = plan.configurations[path.dataset] else {
                preconditionFailure("a prepare unit runs after its dataset loads")
            }
            return .prepared(try await prepare(path, dataset: dataset, table: table, tracker))

        case .train(let id):
            let path = plan.dataPath(to: id)
            guard case .prepared(let data)? = inputs[.prepare(path.split ?? id)] else { preconditionFailure("a model trains after its data is prepared") }
            let configuration = plan.modelConfiguration(id)
            let evaluated = plan.outputs(of: id).contains { plan.type(of: $0) == .evaluate }
            let control = FitControl(progress: tracker.progress(id, interval: options.progressInterval), isCancelled: isCancelled)
            tracker.start(id)
            let model = try await offloaded { () throws(NodeFailure) -> TrainedModel in
                try TrainedModel.train(nodeID: id, configuration: configuration, data: data, control: control)
            }
            // Without an evaluate node, the model's summary still carries the standard metrics.
            let standard = evaluated ? nil : try? model.evaluate([], nodeID: id)
            emit(.predictions(nodeID: id, table: model.predictions()))
            tracker.complete(id)
            return .trained(model, standardMetrics: standard)

        case .evaluate(let id):
            guard case .trained(let model, _)? = inputs[.train(plan.model(of: id))], case .evaluate(let configuration) = plan.configurations[id] else {
                preconditionFailure("an evaluate node runs after its model")
            }
            tracker.start(id)
            let report = try await offloaded { () throws(NodeFailure) -> MetricReport in try model.evaluate(configuration.metrics, nodeID: id) }
            emit(.metrics(nodeID: id, report: report))
            tracker.complete(id)
            return .report(report)

        case .visualize(let id):
            guard case .trained(let model, _)? = inputs[.train(plan.model(of: id))], case .visualize(let configuration) = plan.configurations[id] else {
                preconditionFailure("a visualize node runs after its model")
            }
            tracker.start(id)
            var plots: [WorkflowPlot] = []
            let total = configuration.plots.count * configuration.formats.count
            for kind in configuration.plots {
                for format in configuration.formats {
                    if isCancelled() { throw NodeFailure(nodeID: id, code: "cancelled", message: "the job was cancelled") }
                    let plot = try await offloaded { () throws(NodeFailure) -> WorkflowPlot in
                        try model.plot(kind, format: format, nodeID: id)
                    }
                    emit(.plot(plot))
                    plots.append(plot)
                    tracker.progress(id, interval: .zero)(Double(plots.count) / Double(total))
                }
            }
            tracker.complete(id)
            return .plots(plots)
        }
    }

    /// Runs a data path: its preprocessing nodes (each reported as it runs) and its split.
    private func prepare(
        _ path: WorkflowPlan.DataPath, dataset: DatasetNodeConfiguration, table: Table, _ tracker: NodeTracker
    ) async throws -> PreparedData {
        let nodes = path.preprocessing.map { id -> PreprocessingNode in
            guard case .preprocessing(let node) = plan.configurations[id] else { preconditionFailure("not a preprocessing node") }
            return node
        }
        let split: SplitPlan
        if let id = path.split, case .split(let configuration) = plan.configurations[id] {
            split = .random(configuration)
        } else {
            split = .none
        }
        let stepNodes = path.preprocessing
        let splitNode = path.split
        let lastNode = path.split ?? path.preprocessing.last
        let target = dataset.targetColumn
        let problem = dataset.problemType
        return try await offloaded { () throws(NodeFailure) -> PreparedData in
            // The split's own work is choosing rows and gathering the matrices: it is reported
            // after the last step, so that no node runs before its input has completed.
            var current: String?
            do throws(PreprocessingError) {
                let pipeline = try DataPipeline(target: target, problemType: problem, nodes: nodes, split: split)
                if stepNodes.isEmpty, let splitNode {
                    current = splitNode
                    tracker.start(splitNode)
                }
                let data = try pipeline.prepare(table) { step, finished in
                    current = stepNodes[step]
                    if finished {
                        tracker.complete(stepNodes[step])
                        if step == stepNodes.count - 1, let splitNode {
                            current = splitNode
                            tracker.start(splitNode)
                        }
                    } else {
                        tracker.start(stepNodes[step])
                    }
                }
                if let splitNode { tracker.complete(splitNode) }
                return data
            } catch {
                // Errors about a node name it; errors about the data as a whole belong to
                // the node at work when they arose (the split, for the target's checks).
                let node = error.nodeID.flatMap { id in stepNodes.contains(id) || id == splitNode ? id : nil } ?? current ?? lastNode ?? path.dataset
                throw NodeFailure(nodeID: node, code: error.code.rawValue, message: error.message)
            }
        }
    }
}

/// Sends a unit's node events and keeps each node's run time.
final class NodeTracker: Sendable {
    private let emit: @Sendable (WorkflowEvent) -> Void
    private let finished = Mutex<[(String, Duration)]>([])
    private let starts = Mutex<[String: ContinuousClock.Instant]>([:])

    init(emit: @escaping @Sendable (WorkflowEvent) -> Void) {
        self.emit = emit
    }

    /// The nodes completed so far, with their run times.
    var completed: [(String, Duration)] { finished.withLock { $0 } }

    func start(_ node: String) {
        starts.withLock { $0[node] = .now }
        emit(.nodeStatus(nodeID: node, state: .running, duration: nil, message: nil))
    }

    func complete(_ node: String) {
        let duration = starts.withLock { ContinuousClock.now - ($0[node] ?? .now) }
        finished.withLock { $0.append((node, duration)) }
        emit(.nodeStatus(nodeID: node, state: .completed, duration: duration, message: nil))
    }

    /// A progress callback for `node` that sends at most one event per `interval` (and
    /// always the last, at 1.0).
    func progress(_ node: String, interval: Duration) -> @Sendable (Double) -> Void {
        let last = Mutex<ContinuousClock.Instant?>(nil)
        let emit = self.emit
        return { fraction in
            let now = ContinuousClock.now
            let due = last.withLock { previous -> Bool in
                guard fraction >= 1 || previous.map({ now - $0 >= interval }) ?? true else { return false }
                previous = now
                return true
            }
            if due {
                emit(.nodeProgress(nodeID: node, fraction: min(1, max(0, fraction)), message: ""))
            }
        }
    }
}
