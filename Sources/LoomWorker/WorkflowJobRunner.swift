import Foundation
import LoomColumnar

/// What a workflow job runs with. The worker fetched and decoded the dataset already.
public struct WorkflowJobInput: Sendable {
    public var jobID: UUID
    /// 1 for the first try.
    public var attempt: Int
    /// The LeaseGrant's spec: the snapshot JSON `{"nodes": […], "edges": […]}`.
    public var spec: [UInt8]
    /// The dataset's chunks decoded and concatenated in row order (nil: the job has none).
    public var dataset: Table?

    public init(jobID: UUID, attempt: Int, spec: [UInt8], dataset: Table?) {
        self.jobID = jobID
        self.attempt = attempt
        self.spec = spec
        self.dataset = dataset
    }
}

public enum WorkflowNodeState: Sendable {
    case pending, running, completed, failed, skipped
}

/// How a running workflow tells the world what happens. Every call goes to the
/// coordinator at once (progress is throttled by the worker to at most 10 per second per
/// node; the last one of a burst is kept back and sent with the next status).
public protocol WorkflowJobReporter: Sendable {
    func nodeStatus(_ nodeID: String, _ state: WorkflowNodeState, message: String) async
    func nodeProgress(_ nodeID: String, fraction: Double, message: String) async
    func metrics(_ nodeID: String, _ values: [(name: String, value: Double)]) async
    /// A plot or file; sent in frame-sized parts.
    func artifact(nodeID: String, name: String, contentType: String, bytes: [UInt8]) async throws
    /// A table (predictions, say), streamed as columnar chunks; stored as stream "nodeID/name".
    func output(nodeID: String, name: String, table: Table) async throws
}

public struct WorkflowJobOutcome: Sendable {
    /// A JSON object summarising the run; the worker adds `creditCost` to it.
    public var result: [UInt8]
    public var creditCost: Int64

    public init(result: [UInt8], creditCost: Int64) {
        self.result = result
        self.creditCost = creditCost
    }
}

public struct WorkflowJobFailure: Error, Sendable {
    /// Short and machine-readable: `node_failed`, `invalid_data`, …
    public var kind: String
    public var message: String
    public var nodeID: String?
    /// False fails the job for good; true lets it run again while tries are left.
    public var retryable: Bool

    public init(kind: String, message: String, nodeID: String? = nil, retryable: Bool) {
        self.kind = kind
        self.message = message
        self.nodeID = nodeID
        self.retryable = retryable
    }
}

/// The workflow engine as the worker sees it. `isCancelled` turns true when the job must
/// stop (cancel, lost lease, drain deadline); the runner checks it between steps and
/// returns or throws soon after. It runs on the worker's CPU threads, never on the event
/// loop, so heartbeats stay on time however long a model trains. Errors other than
/// `WorkflowJobFailure` fail the attempt retryably.
public protocol WorkflowJobRunner: Sendable {
    func run(
        _ input: WorkflowJobInput, reporter: any WorkflowJobReporter, isCancelled: @escaping @Sendable () -> Bool
    ) async throws -> WorkflowJobOutcome
}
