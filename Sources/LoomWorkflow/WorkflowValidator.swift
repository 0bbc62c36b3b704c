import LoomColumnar
import LoomML

/// What validation may know about a dataset a workflow names.
public struct DatasetInfo: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case uploading, ingesting, ready, failed }
    public var status: Status
    /// The ingestion's profile; present once the dataset is ready.
    public var profile: DatasetProfile?

    public init(status: Status, profile: DatasetProfile?) {
        self.status = status
        self.profile = profile
    }
}

/// Checks a workflow against every rule of the format (README.md of this module) and
/// returns every problem at once; a workflow with none becomes a `WorkflowPlan`.
///
/// The rules, in four groups: the structure (ids, edges, a dataset node, everything
/// connected), cycles, the connections (which node types may feed which, and how many
/// inputs each takes), and each node's configuration (with the dataset's profile, when
/// `datasets` holds it).
public struct WorkflowValidator: Sendable {
    /// The datasets the workflow may name, by id. Nil: datasets are not checked (a local
    /// run checks them when it loads the file).
    public var datasets: [String: DatasetInfo]?

    /// Above this many distinct values a column is not accepted as a classification target.
    public static let maximumClasses = 1_000

    public init(datasets: [String: DatasetInfo]? = nil) {
        self.datasets = datasets
    }

    public func validate(_ workflow: Workflow) throws(WorkflowValidationError) -> WorkflowPlan {
        var check = Check(workflow: workflow, datasets: datasets)
        check.run()
        guard check.issues.isEmpty, let order = check.order else { throw WorkflowValidationError(check.issues) }
        return WorkflowPlan(workflow: workflow, order: order, configurations: check.configurations, graph: check.graph)
    }

    /// Every problem with the workflow; empty when it can run.
    public func issues(in workflow: Workflow) -> [ValidationIssue] {
        var check = Check(workflow: workflow, datasets: datasets)
        check.run()
        return check.issues
    }
}

/// One validation pass over one workflow.
private struct Check {
    let workflow: Workflow
    let datasets: [String: DatasetInfo]?
    var issues: [ValidationIssue] = []
    var graph: WorkflowGraph
    var order: [String]?
    var configurations: [String: NodeConfiguration] = [:]
    /// Nodes whose type is known, by id (the first node of a duplicated id).
    var kinds: [String: NodeType] = [:]

    init(workflow: Workflow, datasets: [String: DatasetInfo]?) {
        self.workflow = workflow
        self.datasets = datasets
        graph = WorkflowGraph(nodeIDs: workflow.nodes.map(\.id), edges: workflow.edges)
    }

    mutating func report(_ code: ValidationIssue.Code, node: String? = nil, field: String? = nil, _ message: String) {
        issues.append(ValidationIssue(code, node: node, field: field, message: message))
    }

    mutating func run() {
        guard !workflow.nodes.isEmpty else {
            report(.emptyWorkflow, "the workflow has no nodes; start with a dataset node")
            return
        }
        checkNodes()
        checkEdges()
        checkStructure()
        checkConnections()
        checkConfigurations()
    }

    // MARK: - Structure

    mutating func checkNodes() {
        var seen = Set<String>()
        var reported = Set<String>()
        let known = NodeType.allCases.map(\.rawValue).joined(separator: ", ")
        for node in workflow.nodes {
            if node.id.trimmingWhitespace().isEmpty {
                report(.invalidNodeID, node: node.id, field: "id", "a node id must not be empty")
            }
            if !seen.insert(node.id).inserted {
                if reported.insert(node.id).inserted {
                    report(.duplicateNodeID, node: node.id, field: "id", "more than one node has the id '\(node.id)'; ids must be unique")
                }
                continue
            }
            if let kind = node.kind {
                kinds[node.id] = kind
            } else {
                report(.unknownNodeType, node: node.id, field: "type", "'\(node.type)' is not a node type; the types are \(known)")
            }
        }
    }

    mutating func checkEdges() {
        let ids = Set(workflow.nodes.map(\.id))
        var edgeIDs = Set<String>()
        var pairs = Set<[String]>()
        for edge in workflow.edges {
            if !edgeIDs.insert(edge.id).inserted {
                report(.duplicateEdgeID, field: "edges", "more than one edge has the id '\(edge.id)'")
            }
            var known = true
            for (field, end) in [("source", edge.source), ("target", edge.target)] where !ids.contains(end) {
                report(.unknownEdgeEndpoint, field: "edges.\(field)", "edge '\(edge.id)' names the \(field) '\(end)', which is not a node of the workflow")
                known = false
            }
            if edge.source == edge.target {
                report(.selfLoop, node: edge.source, field: "edges", "edge '\(edge.id)' joins node '\(edge.source)' to itself")
            } else if known, !pairs.insert([edge.source, edge.target]).inserted {
                report(.duplicateEdge, node: edge.target, field: "edges", "'\(edge.source)' is joined to '\(edge.target)' more than once")
            }
        }
    }

    mutating func checkStructure() {
        let datasetNodes = graph.ids.filter { kinds[$0] == .dataset }
        if datasetNodes.isEmpty {
            report(.noDataset, "the workflow has no dataset node; every workflow starts from one")
        }
        if !kinds.values.contains(.model) {
            report(.noModel, "the workflow has no model node; add one to train")
        }

        let (order, cycles) = graph.topologicalSort()
        for cycle in cycles {
            let path = (cycle + [cycle[0]]).joined(separator: " → ")
            report(.cycle, node: cycle[0], "the nodes \(path) form a cycle; a workflow must flow one way")
        }
        if cycles.isEmpty { self.order = order }

        // A node without inputs (other than a dataset) is reported as missing its input;
        // what it feeds is not reported again. Left over: nodes fed only by a cycle.
        let roots = graph.ids.filter { graph.inputs[$0]!.isEmpty }
        let reachable = graph.reachable(from: roots)
        for id in graph.ids {
            if isOrphan(id) {
                report(.orphanNode, node: id, "node '\(id)' is not connected to anything; join it to the workflow or remove it")
            } else if !reachable.contains(id), !datasetNodes.isEmpty {
                report(.unreachableNode, node: id, "node '\(id)' is not fed by any dataset node")
            }
        }
    }

    func isOrphan(_ id: String) -> Bool {
        graph.ids.count > 1 && graph.inputs[id]!.isEmpty && graph.outputs[id]!.isEmpty
    }

    // MARK: - Connections

    /// Which node types may feed which. A model may also be fed by a dataset or
    /// preprocessing node directly, for clustering (checked where the problem type is known).
    static let feeds: [NodeType: Set<NodeType>] = [
        .dataset: [.preprocessing, .split, .model],
        .preprocessing: [.preprocessing, .split, .model],
        .split: [.model],
        .model: [.evaluate, .visualize],
        .evaluate: [.visualize],
        .visualize: [],
    ]

    static let accepted: [NodeType: String] = [
        .dataset: "nothing (a dataset node is where data enters)",
        .preprocessing: "a dataset or preprocessing node",
        .split: "a dataset or preprocessing node",
        .model: "a split node (or, for clustering, a dataset or preprocessing node)",
        .evaluate: "a model node",
        .visualize: "a model node, or an evaluate node",
    ]

    mutating func checkConnections() {
        for id in graph.ids {
            guard let kind = kinds[id] else { continue }
            let inputs = graph.inputs[id]!.filter { kinds[$0] != nil }
            for input in inputs where !Self.feeds[kinds[input]!]!.contains(kind) {
                report(.invalidConnection, node: id, "a \(kinds[input]!.rawValue) node ('\(input)') cannot feed a \(kind.rawValue) node; a \(kind.rawValue) node takes \(Self.accepted[kind]!)")
            }
            switch kind {
            case .dataset:
                break
            case .preprocessing, .split, .model, .evaluate:
                if inputs.isEmpty, !isOrphan(id) {
                    report(.missingInput, node: id, "a \(kind.rawValue) node needs an input: connect \(Self.accepted[kind]!) to it")
                } else if inputs.count > 1 {
                    report(.tooManyInputs, node: id, "a \(kind.rawValue) node takes one input, but \(inputs.map { "'\($0)'" }.joined(separator: ", ")) feed it")
                }
            case .visualize:
                checkVisualizeInputs(id, inputs)
            }
            if kind == .model, let input = inputs.first, kinds[input] == .dataset || kinds[input] == .preprocessing,
                let problem = problemType(of: id), problem != .clustering
            {
                report(.missingSplit, node: id, "a \(problem.rawValue) model needs a split node between '\(input)' and it, to hold out the test rows")
            }
            if kind == .preprocessing, graph.outputs[id]!.count > 1 {
                report(.branchBeforeSplit, node: id, "a preprocessing node feeds one node, but '\(id)' feeds \(graph.outputs[id]!.count); to compare preprocessing, start a second chain from the dataset node")
            }
        }
    }

    mutating func checkVisualizeInputs(_ id: String, _ inputs: [String]) {
        if inputs.isEmpty {
            if !isOrphan(id) { report(.missingInput, node: id, "a visualize node needs a model node (or its evaluate node) as input") }
            return
        }
        guard inputs.count > 1 else { return }
        // Two inputs: one model and that same model's evaluate node.
        let models = inputs.filter { kinds[$0] == .model }
        let evaluations = inputs.filter { kinds[$0] == .evaluate }
        let sameModel = models.count == 1 && evaluations.count == 1 && graph.inputs[evaluations[0]]! == models
        if inputs.count > 2 || !sameModel {
            report(.tooManyInputs, node: id, "a visualize node draws one model: connect that model, and optionally its evaluate node, not \(inputs.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }

    /// The problem type of the dataset node upstream of `id`, when the path to it is intact.
    func problemType(of id: String) -> ProblemType? {
        var current = id
        var seen = Set<String>()
        while seen.insert(current).inserted {
            if kinds[current] == .dataset {
                guard case .dataset(let dataset) = configurations[current] else {
                    return datasetProblemType(current)
                }
                return dataset.problemType
            }
            guard let input = graph.inputs[current]?.first else { return nil }
            current = input
        }
        return nil
    }

    /// The problem type a dataset node names, read directly (before its configuration is checked).
    func datasetProblemType(_ id: String) -> ProblemType? {
        guard let node = workflow.node(id), case .string(let text)? = node.data["problemType"] ?? node.data["problem_type"] else { return nil }
        return ProblemType(rawValue: text.trimmingWhitespace().lowercased())
    }

    // MARK: - Configuration

    mutating func checkConfigurations() {
        var seen = Set<String>()
        for node in workflow.nodes where seen.insert(node.id).inserted {
            guard let kind = node.kind else { continue }
            var fields = NodeFields(node)
            let configuration: NodeConfiguration?
            let expected: [String]
            switch kind {
            case .dataset:
                configuration = datasetConfiguration(&fields).map(NodeConfiguration.dataset)
                expected = ["datasetId", "targetColumn", "problemType"]
            case .preprocessing:
                configuration = preprocessingConfiguration(&fields).map(NodeConfiguration.preprocessing)
                expected = ["method", "parameters"]
            case .split:
                configuration = splitConfiguration(&fields).map(NodeConfiguration.split)
                expected = ["testSize", "randomState", "shuffle", "stratify"]
            case .model:
                configuration = modelConfiguration(&fields).map(NodeConfiguration.model)
                expected = ["algorithm", "hyperparameters"]
            case .evaluate:
                configuration = evaluateConfiguration(&fields).map(NodeConfiguration.evaluate)
                expected = ["metrics"]
            case .visualize:
                configuration = visualizeConfiguration(&fields).map(NodeConfiguration.visualize)
                expected = ["plots", "formats"]
            }
            issues += fields.finish(expected: expected)
            if let configuration { configurations[node.id] = configuration }
        }
    }

    func datasetConfiguration(_ fields: inout NodeFields) -> DatasetNodeConfiguration? {
        let datasetID = fields.string("datasetId", "dataset_id", required: true, purpose: "the dataset to read")
        let target = fields.string("targetColumn", "target_column", "target", required: false, purpose: "the column to predict")
        var problem: ProblemType?
        if let text = fields.string("problemType", "problem_type", required: true, purpose: "the kind of problem") {
            problem = ProblemType(rawValue: text.lowercased())
            if problem == nil {
                fields.report(.unknownProblemType, field: "problemType", "'\(text)' is not a problem type; choose classification, regression or clustering")
            }
        }
        if let problem, problem != .clustering, target == nil, fields.issues.allSatisfy({ $0.field != "targetColumn" }) {
            fields.report(.missingField, field: "targetColumn", "a \(problem.rawValue) workflow needs the column to predict: set 'targetColumn'")
        }
        guard let datasetID, let problem else { return nil }
        if let datasets {
            checkDataset(datasetID, target: target, problem: problem, datasets: datasets, &fields)
        }
        return DatasetNodeConfiguration(datasetID: datasetID, targetColumn: target, problemType: problem)
    }

    func checkDataset(_ id: String, target: String?, problem: ProblemType, datasets: [String: DatasetInfo], _ fields: inout NodeFields) {
        guard let info = datasets[id] else {
            fields.report(.datasetNotFound, field: "datasetId", "there is no dataset '\(id)' (or it is not yours)")
            return
        }
        guard info.status == .ready, let profile = info.profile else {
            fields.report(.datasetNotReady, field: "datasetId", "dataset '\(id)' is \(info.status.rawValue), not ready; wait for its ingestion to finish")
            return
        }
        guard let target else { return }
        guard let column = profile[column: target] else {
            let names = profile.columns.map(\.name).prefix(20).joined(separator: ", ")
            fields.report(.unknownTargetColumn, field: "targetColumn", "dataset '\(id)' has no column '\(target)'; its columns are \(names)")
            return
        }
        switch problem {
        case .regression where column.type != "float64" && column.type != "int64":
            fields.report(.unsuitableTarget, field: "targetColumn", "'\(target)' holds \(column.type) values; regression predicts numbers (is this a classification problem?)")
        case .classification where column.distinct.value < 2:
            fields.report(.unsuitableTarget, field: "targetColumn", "'\(target)' has \(column.distinct.value) distinct value\(column.distinct.value == 1 ? "" : "s"); classification needs at least 2 classes")
        case .classification where column.distinct.value > WorkflowValidator.maximumClasses
            || (column.type == "float64" && column.distinct.value > 50):
            fields.report(.unsuitableTarget, field: "targetColumn", "'\(target)' has \(column.distinct.value) distinct \(column.type) values, too many to be classes (is this a regression problem?)")
        default:
            break
        }
    }

    func preprocessingConfiguration(_ fields: inout NodeFields) -> PreprocessingNode? {
        let method = fields.string("method", required: true, purpose: "the preprocessing method")
        let parameters = fields.object("parameters")
        guard let method, let parameters else { return nil }
        let node = PreprocessingNode(id: fields.node.id, method: method, parameters: parameters)
        do {
            _ = try PreprocessingMethods.makeSteps([node])
        } catch {
            let field = error.code == .unknownMethod ? "method" : error.field.map { "parameters.\($0)" }
            fields.report(ValidationIssue.Code(rawValue: error.code.rawValue), field: field, error.message)
            return nil
        }
        return node
    }

    func splitConfiguration(_ fields: inout NodeFields) -> TrainTestSplit? {
        let names = ["testSize", "test_size", "randomState", "random_state", "shuffle", "stratify"]
        let parameters = fields.passThrough(names)
        do {
            return try TrainTestSplit(nodeID: fields.node.id, parameters: parameters)
        } catch {
            fields.report(ValidationIssue.Code(rawValue: error.code.rawValue), field: error.field, error.message)
            return nil
        }
    }

    func modelConfiguration(_ fields: inout NodeFields) -> ModelNodeConfiguration? {
        let algorithm = fields.string("algorithm", required: true, purpose: "the algorithm to train")
        let hyperparameters = fields.object("hyperparameters")
        guard let algorithm, let hyperparameters else { return nil }
        let configuration = ModelNodeConfiguration(algorithm: algorithm, hyperparameters: hyperparameters)
        guard let problem = problemType(of: fields.node.id) else { return configuration }
        guard ModelCatalog.algorithms(for: problem).contains(algorithm) else {
            let known = ModelCatalog.algorithms(for: problem).joined(separator: ", ")
            fields.report(.unknownAlgorithm, field: "algorithm", "'\(algorithm)' is not a \(problem.rawValue) algorithm; choose one of \(known)")
            return nil
        }
        do {
            _ = try ModelCatalog.make(nodeID: fields.node.id, algorithm: algorithm, problemType: problem, hyperparameters: hyperparameters)
        } catch {
            fields.report(ValidationIssue.Code(rawValue: error.code.rawValue), field: error.field.map { "hyperparameters.\($0)" }, error.error.message)
            return nil
        }
        return configuration
    }

    func evaluateConfiguration(_ fields: inout NodeFields) -> EvaluateNodeConfiguration? {
        guard let metrics = fields.strings("metrics") else { return nil }
        let problem = problemType(of: fields.node.id)
        var valid = true
        for text in metrics {
            do {
                let metric = try MetricName(parsing: text)
                if let problem, metric.problemType != problem {
                    fields.report(.metricNotApplicable, field: "metrics", "\(metric.rawValue) is a \(metric.problemType.rawValue) metric; this workflow is \(problem.rawValue)")
                    valid = false
                }
            } catch {
                fields.report(.unknownMetric, field: "metrics", error.message)
                valid = false
            }
        }
        return valid ? EvaluateNodeConfiguration(metrics: metrics) : nil
    }

    func visualizeConfiguration(_ fields: inout NodeFields) -> VisualizeNodeConfiguration? {
        guard let names = fields.strings("plots") else { return nil }
        let problem = problemType(of: fields.node.id)
        let algorithm = modelAlgorithm(upstreamOf: fields.node.id)
        var plots: [PlotKind] = []
        var valid = true
        for text in names {
            do {
                let plot = try PlotKind(parsing: text)
                if let problem, !plot.problemTypes.contains(problem) {
                    let kinds = plot.problemTypes.map(\.rawValue).sorted().joined(separator: " or ")
                    fields.report(.plotNotApplicable, field: "plots", "\(plot.rawValue) is drawn for \(kinds) workflows; this one is \(problem.rawValue)")
                    valid = false
                } else if plot == .featureImportance, let algorithm, !ModelCatalog.givesFeatureImportances(algorithm) {
                    fields.report(.plotNotApplicable, field: "plots", "\(algorithm) gives no feature importances, so feature_importance cannot be drawn for it")
                    valid = false
                } else if !plots.contains(plot) {
                    plots.append(plot)
                }
            } catch {
                fields.report(.unknownPlot, field: "plots", error.message)
                valid = false
            }
        }
        if names.isEmpty, let problem { plots = Self.standardPlots(for: problem) }
        let formats = plotFormats(&fields)
        guard valid, let formats else { return nil }
        return VisualizeNodeConfiguration(plots: plots, formats: formats)
    }

    /// A visualize node's `formats`: `svg` (the default), `png`, or both.
    func plotFormats(_ fields: inout NodeFields) -> [PlotFormat]? {
        guard let names = fields.strings("formats") else { return nil }
        var formats: [PlotFormat] = []
        for name in names {
            guard let format = PlotFormat(rawValue: name.lowercased()) else {
                let known = PlotFormat.allCases.map(\.rawValue).joined(separator: ", ")
                fields.report(.unknownPlotFormat, field: "formats", "'\(name)' is not a plot format; the formats are \(known)")
                return nil
            }
            if !formats.contains(format) { formats.append(format) }
        }
        return formats.isEmpty ? [.svg] : formats
    }

    /// The plots an empty `plots` list draws.
    static func standardPlots(for problem: ProblemType) -> [PlotKind] {
        switch problem {
        case .classification: [.confusionMatrix, .rocCurve]
        case .regression: [.predictedVsActual, .residuals]
        case .clustering: [.clusterScatter]
        }
    }

    /// The algorithm of the model a visualize node draws, read directly from the document.
    func modelAlgorithm(upstreamOf id: String) -> String? {
        let inputs = graph.inputs[id] ?? []
        let model = inputs.first { kinds[$0] == .model }
            ?? inputs.first { kinds[$0] == .evaluate }.flatMap { graph.inputs[$0]?.first }
        guard let model, kinds[model] == .model, case .string(let algorithm)? = workflow.node(model)?.data["algorithm"] else { return nil }
        return algorithm
    }
}
