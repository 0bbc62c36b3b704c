import LoomColumnar
import LoomML

/// A node's state during a run (the seed's per-node statuses).
public enum NodeState: String, Sendable, Codable, CaseIterable {
    case pending, running, completed, failed, skipped
}

/// A plot drawn by a visualize node.
public struct WorkflowPlot: Sendable, Equatable {
    public var nodeID: String
    public var kind: PlotKind
    public var format: PlotFormat = .svg
    /// The artifact's name: the plot kind and its format, e.g. `roc_curve.svg`.
    public var name: String { "\(kind.rawValue).\(format.rawValue)" }
    public var contentType: String { format.contentType }
    public var bytes: [UInt8]

    public init(nodeID: String, kind: PlotKind, format: PlotFormat = .svg, bytes: [UInt8]) {
        self.nodeID = nodeID
        self.kind = kind
        self.format = format
        self.bytes = bytes
    }
}

/// What the executor tells its caller while a workflow runs, in an order that respects the
/// graph: a node's `running` comes after every input's `completed`, and its metrics, plots
/// and predictions come before its own `completed`.
public enum WorkflowEvent: Sendable {
    /// `duration` is set for completed and failed nodes; `message` says why a node failed
    /// or was skipped.
    case nodeStatus(nodeID: String, state: NodeState, duration: Duration?, message: String?)
    /// A long step's fraction done (0...1): trees built, iterations run. At most one per
    /// node per `WorkflowExecutor.Options.progressInterval`.
    case nodeProgress(nodeID: String, fraction: Double, message: String)
    case metrics(nodeID: String, report: MetricReport)
    case plot(WorkflowPlot)
    /// A model's predictions for its test rows (see `Predictions`).
    case predictions(nodeID: String, table: Table)

    public var nodeID: String {
        switch self {
        case .nodeStatus(let id, _, _, _), .nodeProgress(let id, _, _), .metrics(let id, _), .predictions(let id, _): id
        case .plot(let plot): plot.nodeID
        }
    }
}
