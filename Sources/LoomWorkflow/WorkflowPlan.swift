import LoomColumnar
import LoomML

/// A workflow that passed validation: its nodes' configurations parsed, an order to run
/// them in, and the questions the executor asks about the graph answered.
public struct WorkflowPlan: Sendable {
    public let workflow: Workflow
    /// Every node, inputs before the nodes they feed (document order among equals).
    public let order: [String]
    public let configurations: [String: NodeConfiguration]
    let graph: WorkflowGraph

    init(workflow: Workflow, order: [String], configurations: [String: NodeConfiguration], graph: WorkflowGraph) {
        self.workflow = workflow
        self.order = order
        self.configurations = configurations
        self.graph = graph
    }

    public func inputs(of id: String) -> [String] { graph.inputs[id] ?? [] }
    public func outputs(of id: String) -> [String] { graph.outputs[id] ?? [] }
    public func descendants(of id: String) -> Set<String> { graph.descendants(of: id) }

    public func type(of id: String) -> NodeType {
        switch configurations[id]! {
        case .dataset: .dataset
        case .preprocessing: .preprocessing
        case .split: .split
        case .model: .model
        case .evaluate: .evaluate
        case .visualize: .visualize
        }
    }

    /// The datasets the workflow reads (distinct, in document order).
    public var datasetIDs: [String] {
        var seen = Set<String>()
        return order.compactMap { id in
            if case .dataset(let dataset) = configurations[id], seen.insert(dataset.datasetID).inserted { return dataset.datasetID }
            return nil
        }
    }

    public var datasetNodes: [String] { order.filter { type(of: $0) == .dataset } }
    public var modelNodes: [String] { order.filter { type(of: $0) == .model } }
    public var preprocessingNodes: [String] { order.filter { type(of: $0) == .preprocessing } }

    /// The plots the workflow draws, over all visualize nodes.
    public var plotCount: Int {
        order.reduce(0) { count, id in
            if case .visualize(let visualize) = configurations[id] { return count + visualize.plots.count }
            return count
        }
    }

    /// How data reaches a node that consumes a prepared dataset (a split node, or a model
    /// fed without a split): its dataset node, the preprocessing nodes between, in order.
    public struct DataPath: Sendable, Equatable {
        public var dataset: String
        public var preprocessing: [String]
        public var split: String?
    }

    /// The data path ending at `id` (a split node, or a model node without a split); for a
    /// model behind a split, the path of that split.
    public func dataPath(to id: String) -> DataPath {
        var end = id
        if type(of: id) == .model, let input = inputs(of: id).first, type(of: input) == .split { end = input }
        var preprocessing: [String] = []
        var cursor = inputs(of: end)[0]
        while type(of: cursor) == .preprocessing {
            preprocessing.append(cursor)
            cursor = inputs(of: cursor)[0]
        }
        return DataPath(dataset: cursor, preprocessing: preprocessing.reversed(), split: type(of: end) == .split ? end : nil)
    }

    /// The model node an evaluate or visualize node reports on.
    public func model(of id: String) -> String {
        var current = id
        while type(of: current) != .model { current = inputs(of: current)[0] }
        return current
    }

    public func dataset(of id: String) -> DatasetNodeConfiguration {
        guard case .dataset(let dataset) = configurations[dataPath(to: model(of: id)).dataset] else {
            preconditionFailure("a validated plan has a dataset node at the start of every path")
        }
        return dataset
    }

    public func modelConfiguration(_ id: String) -> ModelNodeConfiguration {
        guard case .model(let model) = configurations[id] else { preconditionFailure("\(id) is not a model node") }
        return model
    }
}
