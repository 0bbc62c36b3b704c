import LoomColumnar
import LoomML

/// A dataset node: which dataset, which column to predict, and what kind of problem it is.
public struct DatasetNodeConfiguration: Sendable, Equatable {
    public var datasetID: String
    /// Required for classification and regression; for clustering an optional column that
    /// is left out of the features (to compare the clusters with it afterwards).
    public var targetColumn: String?
    public var problemType: ProblemType
}

/// A model node: an algorithm of the catalog (`ModelCatalog`) and its hyperparameters.
public struct ModelNodeConfiguration: Sendable, Equatable {
    public var algorithm: String
    public var hyperparameters: [String: JSONValue]
}

/// An evaluate node's metrics; empty means the standard set of the problem type.
public struct EvaluateNodeConfiguration: Sendable, Equatable {
    public var metrics: [String]
}

/// A visualize node's plots, in the order the user listed them, each drawn in every
/// format asked for (SVG unless the node says otherwise).
public struct VisualizeNodeConfiguration: Sendable, Equatable {
    public var plots: [PlotKind]
    public var formats: [PlotFormat] = [.svg]
}

/// How a plot is written: a self-contained SVG document, or a PNG image.
public enum PlotFormat: String, Sendable, Equatable, CaseIterable {
    case svg
    case png

    public var contentType: String {
        switch self {
        case .svg: "image/svg+xml"
        case .png: "image/png"
        }
    }

    /// PNGs are drawn this wide, at twice the SVG's nominal size, so they stay sharp on
    /// high-density screens.
    static let pngWidth = 1640
}

/// A node's configuration, parsed and checked.
public enum NodeConfiguration: Sendable {
    case dataset(DatasetNodeConfiguration)
    case preprocessing(PreprocessingNode)
    case split(TrainTestSplit)
    case model(ModelNodeConfiguration)
    case evaluate(EvaluateNodeConfiguration)
    case visualize(VisualizeNodeConfiguration)
}

/// Reads the fields of a node's `data`, collecting an issue for each one that is missing
/// or of the wrong type, and for any it does not know (so that a typo such as `testsize`
/// is reported rather than silently ignored). Editors' display fields are allowed.
struct NodeFields {
    /// Fields an editor may keep in `data` for display; they configure nothing.
    static let displayFields: Set<String> = ["label", "description", "name", "notes"]

    let node: WorkflowNode
    private(set) var issues: [ValidationIssue] = []
    private var used: Set<String> = []

    init(_ node: WorkflowNode) { self.node = node }

    mutating func report(_ code: ValidationIssue.Code, field: String? = nil, _ message: String) {
        issues.append(ValidationIssue(code, node: node.id, field: field, message: message))
    }

    /// The first of `names` present (the seed's camelCase name, then snake_case spellings).
    private mutating func value(_ names: [String]) -> (name: String, value: JSONValue)? {
        used.formUnion(names)
        for name in names { if let value = node.data[name] { return (name, value) } }
        return nil
    }

    mutating func string(_ names: String..., required: Bool, purpose: String) -> String? {
        guard let (name, value) = value(names), value != .null else {
            if required { report(.missingField, field: names[0], "\(purpose) is missing: set '\(names[0])'") }
            return nil
        }
        guard case .string(let text) = value, !text.trimmingWhitespace().isEmpty else {
            report(.invalidField, field: name, "'\(name)' should be a non-empty string (\(purpose)), not \(value)")
            return nil
        }
        return text.trimmingWhitespace()
    }

    mutating func object(_ name: String) -> [String: JSONValue]? {
        guard let (_, value) = value([name]), value != .null else { return [:] }
        guard case .object(let fields) = value else {
            report(.invalidField, field: name, "'\(name)' should be an object of names and values, not \(value)")
            return nil
        }
        return fields
    }

    mutating func strings(_ name: String) -> [String]? {
        guard let (_, value) = value([name]), value != .null else { return [] }
        guard case .array(let items) = value else {
            report(.invalidField, field: name, "'\(name)' should be a list of names, not \(value)")
            return nil
        }
        var names: [String] = []
        for item in items {
            guard case .string(let text) = item else {
                report(.invalidField, field: name, "'\(name)' should hold names (strings), but holds \(item)")
                return nil
            }
            names.append(text)
        }
        return names
    }

    /// The fields among `names` that are present, untouched, for a parser that reads them.
    mutating func passThrough(_ names: [String]) -> [String: JSONValue] {
        used.formUnion(names)
        return node.data.filter { names.contains($0.key) }
    }

    /// Reports every field nobody read. Returns the issues found on this node.
    mutating func finish(expected: [String]) -> [ValidationIssue] {
        for name in node.data.keys.sorted() where !used.contains(name) && !Self.displayFields.contains(name) {
            report(.unknownField, field: name, "a \(node.type) node has no field '\(name)'; its fields are \(expected.joined(separator: ", "))")
        }
        return issues
    }
}
