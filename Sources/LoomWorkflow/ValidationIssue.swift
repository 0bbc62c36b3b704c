/// One problem with a workflow: where (node and field, when there is one), a stable code
/// for programs and a sentence for people. Validation returns every problem at once.
public struct ValidationIssue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(from decoder: any Decoder) throws { rawValue = try String(from: decoder) }
        public func encode(to encoder: any Encoder) throws { try rawValue.encode(to: encoder) }
        public var description: String { rawValue }

        // The document.
        /// Not JSON, or not shaped as a workflow (no `nodes` array, a node without an id, ...).
        public static let invalidDocument = Code(rawValue: "invalid_document")

        // Structure.
        public static let emptyWorkflow = Code(rawValue: "empty_workflow")
        public static let invalidNodeID = Code(rawValue: "invalid_node_id")
        public static let duplicateNodeID = Code(rawValue: "duplicate_node_id")
        public static let unknownNodeType = Code(rawValue: "unknown_node_type")
        public static let duplicateEdgeID = Code(rawValue: "duplicate_edge_id")
        public static let unknownEdgeEndpoint = Code(rawValue: "unknown_edge_endpoint")
        public static let selfLoop = Code(rawValue: "self_loop")
        public static let duplicateEdge = Code(rawValue: "duplicate_edge")
        public static let noDataset = Code(rawValue: "no_dataset")
        public static let noModel = Code(rawValue: "no_model")
        /// A node with no edge at all.
        public static let orphanNode = Code(rawValue: "orphan_node")
        /// A node with edges, but no path from a dataset node to it.
        public static let unreachableNode = Code(rawValue: "unreachable_node")
        public static let cycle = Code(rawValue: "cycle")

        // Connections.
        /// An edge between node types that cannot be joined (split → evaluate, ...).
        public static let invalidConnection = Code(rawValue: "invalid_connection")
        public static let missingInput = Code(rawValue: "missing_input")
        public static let tooManyInputs = Code(rawValue: "too_many_inputs")
        /// A classification or regression model without a split node upstream.
        public static let missingSplit = Code(rawValue: "missing_split")
        /// A preprocessing node feeding more than one node.
        public static let branchBeforeSplit = Code(rawValue: "branch_before_split")

        // Configuration.
        public static let missingField = Code(rawValue: "missing_field")
        public static let invalidField = Code(rawValue: "invalid_field")
        public static let unknownField = Code(rawValue: "unknown_field")
        public static let unknownProblemType = Code(rawValue: "unknown_problem_type")
        public static let unknownAlgorithm = Code(rawValue: "unknown_algorithm")
        public static let unknownMetric = Code(rawValue: "unknown_metric")
        public static let metricNotApplicable = Code(rawValue: "metric_not_applicable")
        public static let unknownPlot = Code(rawValue: "unknown_plot")
        public static let plotNotApplicable = Code(rawValue: "plot_not_applicable")
        public static let unknownPlotFormat = Code(rawValue: "unknown_plot_format")

        // The dataset, when profiles are at hand.
        public static let datasetNotFound = Code(rawValue: "dataset_not_found")
        public static let datasetNotReady = Code(rawValue: "dataset_not_ready")
        public static let unknownTargetColumn = Code(rawValue: "unknown_target_column")
        public static let unsuitableTarget = Code(rawValue: "unsuitable_target")
    }

    public var code: Code
    public var nodeID: String?
    public var field: String?
    public var message: String

    public init(_ code: Code, node nodeID: String? = nil, field: String? = nil, message: String) {
        self.code = code
        self.nodeID = nodeID
        self.field = field
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case code, message, field
        case nodeID = "node_id"
    }

    public var description: String {
        var place = ""
        if let nodeID { place = "node '\(nodeID)'" }
        if let field { place += place.isEmpty ? "field '\(field)'" : ", field '\(field)'" }
        return place.isEmpty ? "\(message) [\(code)]" : "\(place): \(message) [\(code)]"
    }
}

/// A workflow that cannot run, with every reason why.
public struct WorkflowValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [ValidationIssue]

    public init(_ issues: [ValidationIssue]) { self.issues = issues }

    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return "the workflow has \(count):\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
