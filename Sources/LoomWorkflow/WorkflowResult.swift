import Foundation
import LoomColumnar
import LoomML

/// What a run produced: each node's outcome, every model's metrics, the plots, the
/// predictions, the timings and the cost.
public struct WorkflowResult: Sendable {
    public enum Status: String, Sendable, Codable { case completed, failed, cancelled }

    public struct NodeRun: Sendable, Equatable {
        public var state: NodeState
        /// How long the node ran, for completed and failed nodes.
        public var duration: Duration?
        /// Why it failed or was skipped.
        public var message: String?
    }

    /// One model node's outcome.
    public struct ModelSummary: Sendable {
        public var nodeID: String
        public var algorithm: String
        public var problemType: ProblemType
        public var trainRows: Int
        /// Rows the metrics are computed on: the test rows (the clustered rows for clustering).
        public var evaluatedRows: Int
        public var fitTime: Duration
        /// The model's evaluate node's metrics, or the standard set when it has none.
        public var metrics: MetricReport?
        /// Feature names and importances, most important first, where the model has them.
        public var featureImportances: [(name: String, importance: Double)]?
    }

    public var status: Status
    /// The first node that failed (the job's error), when one did.
    public var failure: NodeFailure?
    public var nodes: [String: NodeRun]
    public var models: [ModelSummary]
    /// Metrics by evaluate node.
    public var evaluations: [String: MetricReport]
    public var plots: [WorkflowPlot]
    /// Predictions of the test rows, by model node (see `TrainedModel.predictions`).
    public var predictions: [String: Table]
    public var totalTime: Duration
    public var creditCost: Int64

    /// A compact JSON summary (no plot or prediction bytes): what a worker reports when a
    /// job completes and what `loom run --json` prints.
    public func summaryJSON() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(Summary(self))) ?? Data("{}".utf8))
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The JSON form of a result.
private struct Summary: Encodable {
    struct Node: Encodable {
        var status: NodeState
        var seconds: Double?
        var message: String?
    }

    struct Model: Encodable {
        var nodeId: String
        var algorithm: String
        var problemType: ProblemType
        var trainRows: Int
        var evaluatedRows: Int
        var fitSeconds: Double
        var metrics: [String: Double]?
        var featureImportances: [String: Double]?
    }

    struct Plot: Encodable {
        var nodeId: String
        var name: String
        var contentType: String
        var bytes: Int
    }

    struct Failure: Encodable {
        var nodeId: String
        var code: String
        var message: String
    }

    var status: WorkflowResult.Status
    var creditCost: Int64
    var totalSeconds: Double
    var failure: Failure?
    var nodes: [String: Node]
    var models: [Model]
    var evaluations: [String: MetricReport]
    var plots: [Plot]

    init(_ result: WorkflowResult) {
        status = result.status
        creditCost = result.creditCost
        totalSeconds = result.totalTime.seconds
        failure = result.failure.map { Failure(nodeId: $0.nodeID, code: $0.code, message: $0.message) }
        nodes = result.nodes.mapValues { Node(status: $0.state, seconds: $0.duration?.seconds, message: $0.message) }
        models = result.models.map { model in
            Model(
                nodeId: model.nodeID, algorithm: model.algorithm, problemType: model.problemType,
                trainRows: model.trainRows, evaluatedRows: model.evaluatedRows, fitSeconds: model.fitTime.seconds,
                metrics: model.metrics?.metrics,
                featureImportances: model.featureImportances.map { Dictionary($0.map { ($0.name, $0.importance) }, uniquingKeysWith: { a, _ in a }) })
        }
        evaluations = result.evaluations
        plots = result.plots.map { Plot(nodeId: $0.nodeID, name: $0.name, contentType: $0.contentType, bytes: $0.bytes.count) }
    }
}
