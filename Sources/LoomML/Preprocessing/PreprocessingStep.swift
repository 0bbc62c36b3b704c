import LoomColumnar

/// A preprocessing node of a workflow as configured by the user: its id, its `method`
/// (`standard_scaler`, ...) and the method's `parameters`.
public struct PreprocessingNode: Sendable, Hashable, Codable {
    public var id: String
    public var method: String
    public var parameters: [String: JSONValue]

    public init(id: String, method: String, parameters: [String: JSONValue] = [:]) {
        self.id = id
        self.method = method
        self.parameters = parameters
    }
}

/// A preprocessing method, parsed and validated from its node. A step is either a
/// `RowFilterStep` (decides which rows stay; runs on all rows before the split) or a
/// `TransformStep` (changes columns; fitted on the training rows, applied to all rows).
public protocol PreprocessingStep: Sendable {
    /// The method name users write in a node, e.g. `standard_scaler`.
    static var method: String { get }
    var identity: StepIdentity { get }
    /// Validates every parameter; unknown parameters are refused so that typos surface.
    init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError)
}

/// A step that removes rows (`drop_missing`, `remove_outliers`). Row filters run on all
/// rows, in workflow order, before the split.
public protocol RowFilterStep: PreprocessingStep {
    /// The positions (ascending) of the rows of `table` to keep.
    func keptRows(in table: Table, target: String?) throws(PreprocessingError) -> [Int]
}

/// A step that changes columns. `fit` looks only at `trainingRows` of the table; the
/// fitted step it returns is then applied to every row, training and test alike.
public protocol TransformStep: PreprocessingStep {
    /// True for steps that learn statistics from rows (scalers, imputers, encoders);
    /// false for steps whose result for a row depends on that row alone.
    var learnsFromRows: Bool { get }
    func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep
}

/// A transform with everything it learned; applying it never looks at other rows.
public protocol FittedStep: Sendable {
    var identity: StepIdentity { get }
    func apply(to table: Table) throws(PreprocessingError) -> Table
}

/// The methods Loom knows, by the name users write in a node.
public enum PreprocessingMethods {
    static let registry: [String: any PreprocessingStep.Type] = [
        StandardScaler.method: StandardScaler.self,
        MinMaxScaler.method: MinMaxScaler.self,
        RobustScaler.method: RobustScaler.self,
        OneHotEncoder.method: OneHotEncoder.self,
        OrdinalEncoder.method: OrdinalEncoder.self,
        "label_encoder": OrdinalEncoder.self,
        SimpleImputer.method: SimpleImputer.self,
        DropColumns.method: DropColumns.self,
        SelectColumns.method: SelectColumns.self,
        DropMissing.method: DropMissing.self,
        RemoveOutliers.method: RemoveOutliers.self,
        LogTransform.method: LogTransform.self,
        PolynomialFeatures.method: PolynomialFeatures.self,
    ]

    /// Every method name, sorted.
    public static var names: [String] { registry.keys.sorted() }

    /// Parses and validates one node.
    public static func makeStep(_ node: PreprocessingNode) throws(PreprocessingError) -> any PreprocessingStep {
        guard let type = registry[node.method] else {
            throw PreprocessingError(
                code: .unknownMethod, nodeID: node.id, method: node.method, field: "method",
                message: "'\(node.method)' is not a preprocessing method; use one of \(names.joined(separator: ", "))"
            )
        }
        return try type.init(identity: StepIdentity(nodeID: node.id, method: node.method), parameters: node.parameters)
    }

    /// Parses and validates a chain of nodes, in workflow order.
    public static func makeSteps(_ nodes: [PreprocessingNode]) throws(PreprocessingError) -> [any PreprocessingStep] {
        var steps: [any PreprocessingStep] = []
        steps.reserveCapacity(nodes.count)
        for node in nodes { steps.append(try makeStep(node)) }
        return steps
    }
}
