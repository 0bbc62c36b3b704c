import LoomColumnar
import LoomML
import LoomWorkflow
import Synchronization
import Testing

func node(_ id: String, _ type: String, _ data: [String: JSONValue] = [:]) -> WorkflowNode {
    WorkflowNode(id: id, typeName: type, data: data)
}

func edge(_ source: String, _ target: String, id: String? = nil) -> WorkflowEdge {
    WorkflowEdge(id: id, source: source, target: target)
}

/// dataset → scale → split → logistic → evaluate, and logistic → plots: a valid
/// classification workflow on iris that each validation test breaks in one way.
func irisWorkflow() -> Workflow {
    Workflow(
        nodes: [
            node("data", "dataset", ["datasetId": "sample:iris", "targetColumn": "species", "problemType": "classification"]),
            node("scale", "preprocessing", ["method": "standard_scaler", "parameters": [:]]),
            node("split", "split", ["testSize": 0.3, "randomState": 1]),
            node("logistic", "model", ["algorithm": "logistic_regression", "hyperparameters": ["C": 1.0]]),
            node("evaluate", "evaluate", ["metrics": ["accuracy", "f1_macro"]]),
            node("plots", "visualize", ["plots": ["confusion_matrix"]]),
        ],
        edges: [
            edge("data", "scale"), edge("scale", "split"), edge("split", "logistic"),
            edge("logistic", "evaluate"), edge("logistic", "plots"),
        ])
}

func issues(_ workflow: Workflow, datasets: [String: DatasetInfo]? = nil) -> [ValidationIssue] {
    WorkflowValidator(datasets: datasets).issues(in: workflow)
}

/// Collects the executor's events in order.
final class EventLog: Sendable {
    private let storage = Mutex<[WorkflowEvent]>([])
    var events: [WorkflowEvent] { storage.withLock { $0 } }
    func append(_ event: WorkflowEvent) { storage.withLock { $0.append(event) } }

    /// The status changes as (node, state) pairs, in order.
    var statuses: [(String, NodeState)] {
        events.compactMap { if case .nodeStatus(let id, let state, _, _) = $0 { (id, state) } else { nil } }
    }
}

/// Checks that the events could have come from a correct run of `plan`: each node starts
/// once, only after all its inputs completed, and completes or fails only after starting;
/// metrics, plots and predictions come from a running node; skipped nodes never complete.
func checkEventOrder(_ events: [WorkflowEvent], plan: WorkflowPlan, sourceLocation: SourceLocation = #_sourceLocation) {
    var state: [String: NodeState] = [:]
    for id in plan.order { state[id] = .pending }
    for event in events {
        let id = event.nodeID
        switch event {
        case .nodeStatus(_, .running, _, _):
            #expect(state[id] == .pending, "\(id) started twice", sourceLocation: sourceLocation)
            for input in plan.inputs(of: id) {
                #expect(state[input] == .completed, "\(id) started before its input \(input) completed", sourceLocation: sourceLocation)
            }
            state[id] = .running
        case .nodeStatus(_, .completed, let duration, _):
            #expect(state[id] == .running, "\(id) completed without running", sourceLocation: sourceLocation)
            #expect(duration != nil, sourceLocation: sourceLocation)
            state[id] = .completed
        case .nodeStatus(_, .failed, _, let message):
            #expect(state[id] == .running, "\(id) failed without running", sourceLocation: sourceLocation)
            #expect(message?.isEmpty == false, sourceLocation: sourceLocation)
            state[id] = .failed
        case .nodeStatus(_, .skipped, _, _):
            #expect(state[id] == .pending || state[id] == .running, "\(id) skipped after it finished", sourceLocation: sourceLocation)
            state[id] = .skipped
        case .nodeStatus(_, .pending, _, _):
            Issue.record("a pending status event", sourceLocation: sourceLocation)
        case .nodeProgress(_, let fraction, _):
            #expect(state[id] == .running, "progress of \(id) while \(String(describing: state[id]))", sourceLocation: sourceLocation)
            #expect((0...1).contains(fraction), sourceLocation: sourceLocation)
        case .metrics, .plot, .predictions:
            #expect(state[id] == .running, "output of \(id) while \(String(describing: state[id]))", sourceLocation: sourceLocation)
        }
    }
    for (id, final) in state {
        #expect(final != .pending && final != .running, "\(id) ended \(final)", sourceLocation: sourceLocation)
    }
}
