import Foundation
import LoomColumnar
import LoomML
import LoomWorkflow

/// Runs workflow jobs with Loom's workflow engine (LoomWorkflow): the snapshot from the
/// lease is validated and executed on the dataset the worker fetched, and every node event
/// is forwarded to the coordinator in the order the executor emits it.
public struct WorkflowEngineRunner: WorkflowJobRunner {
    public init() {}

    public func run(
        _ input: WorkflowJobInput, reporter: any WorkflowJobReporter, isCancelled: @escaping @Sendable () -> Bool
    ) async throws -> WorkflowJobOutcome {
        let plan: WorkflowPlan
        do {
            plan = try WorkflowValidator().validate(try Workflow.parse(json: input.spec))
        } catch {
            throw WorkflowJobFailure(kind: "invalid_workflow", message: error.description, nodeID: error.issues.first?.nodeID, retryable: false)
        }
        guard let table = input.dataset else {
            throw WorkflowJobFailure(kind: "invalid_data", message: "the job's lease carried no dataset", nodeID: plan.datasetNodes.first, retryable: false)
        }
        // A job reads one dataset (the coordinator refuses others): every dataset node gets it.
        let datasets = InMemoryDatasets(Dictionary(uniqueKeysWithValues: plan.datasetIDs.map { ($0, table) }))

        // The executor reports synchronously from its threads; the reporter is async. The
        // stream keeps the order, and its consumer forwards one event at a time.
        let (events, continuation) = AsyncStream<WorkflowEvent>.makeStream()
        let forwarder = Task {
            for await event in events { try await Self.forward(event, to: reporter) }
        }
        let result = await WorkflowExecutor(plan: plan, datasets: datasets).run(isCancelled: isCancelled) { event in
            continuation.yield(event)
        }
        continuation.finish()
        try await forwarder.value

        switch result.status {
        case .completed:
            return WorkflowJobOutcome(result: result.summaryJSON(), creditCost: result.creditCost)
        case .failed:
            let failure = result.failure
            throw WorkflowJobFailure(
                kind: "node_failed", message: failure.map { "node '\($0.nodeID)': \($0.message)" } ?? "the workflow failed",
                nodeID: failure?.nodeID, retryable: false)
        case .cancelled:
            throw WorkflowJobFailure(kind: "cancelled", message: "the job was cancelled", nodeID: nil, retryable: false)
        }
    }

    static func forward(_ event: WorkflowEvent, to reporter: any WorkflowJobReporter) async throws {
        switch event {
        case .nodeStatus(let node, let state, _, let message):
            await reporter.nodeStatus(node, WorkflowNodeState(state), message: message ?? "")
        case .nodeProgress(let node, let fraction, let message):
            await reporter.nodeProgress(node, fraction: fraction, message: message)
        case .metrics(let node, let report):
            await reporter.metrics(node, report.metrics.keys.sorted().map { (name: $0, value: report.metrics[$0]!) })
        case .plot(let plot):
            try await reporter.artifact(nodeID: plot.nodeID, name: plot.name, contentType: plot.contentType, bytes: plot.bytes)
        case .predictions(let node, let table):
            try await reporter.output(nodeID: node, name: "predictions", table: table)
        }
    }
}

extension WorkflowNodeState {
    init(_ state: NodeState) {
        switch state {
        case .pending: self = .pending
        case .running: self = .running
        case .completed: self = .completed
        case .failed: self = .failed
        case .skipped: self = .skipped
        }
    }
}
