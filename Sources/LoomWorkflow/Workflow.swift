import Foundation
import LoomML

/// The kinds of node a workflow is drawn from, in the order data flows through them.
public enum NodeType: String, Sendable, Codable, CaseIterable {
    case dataset, preprocessing, split, model, evaluate, visualize
}

/// One node as the user drew it: an id, a type and its configuration (`data`). The type is
/// kept as written so that validation can name an unknown one instead of failing to parse.
public struct WorkflowNode: Sendable, Equatable, Codable {
    public var id: String
    public var type: String
    public var data: [String: JSONValue]

    public init(id: String, type: NodeType, data: [String: JSONValue] = [:]) {
        self.init(id: id, typeName: type.rawValue, data: data)
    }

    public init(id: String, typeName: String, data: [String: JSONValue] = [:]) {
        self.id = id
        self.type = typeName
        self.data = data
    }

    /// The node's type, or nil when it is not one Loom knows.
    public var kind: NodeType? { NodeType(rawValue: type) }

    enum CodingKeys: String, CodingKey { case id, type, data }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        // Editors store display fields (position, width, ...) beside `data`; they are ignored.
        data = try container.decodeIfPresent([String: JSONValue].self, forKey: .data) ?? [:]
    }
}

/// A directed edge: the output of `source` feeds `target`.
public struct WorkflowEdge: Sendable, Equatable, Codable {
    public var id: String
    public var source: String
    public var target: String

    public init(id: String? = nil, source: String, target: String) {
        self.id = id ?? "\(source)->\(target)"
        self.source = source
        self.target = target
    }

    enum CodingKeys: String, CodingKey { case id, source, target }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let source = try container.decode(String.self, forKey: .source)
        let target = try container.decode(String.self, forKey: .target)
        self.init(id: try container.decodeIfPresent(String.self, forKey: .id), source: source, target: target)
    }
}

/// A workflow as a user draws it: nodes joined by edges. The JSON format is documented in
/// this module's README.md and in `workflow.schema.json`.
public struct Workflow: Sendable, Equatable, Codable {
    public var nodes: [WorkflowNode]
    public var edges: [WorkflowEdge]

    public init(nodes: [WorkflowNode], edges: [WorkflowEdge]) {
        self.nodes = nodes
        self.edges = edges
    }

    /// Parses a workflow document. A document that is not JSON, or whose shape is wrong
    /// (no `nodes` array, a node without an id, ...), is refused with one issue saying where.
    public static func parse(json bytes: some Collection<UInt8>) throws(WorkflowValidationError) -> Workflow {
        do {
            return try JSONDecoder().decode(Workflow.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw WorkflowValidationError([ValidationIssue(.invalidDocument, message: error.readableDescription)])
        } catch {
            throw WorkflowValidationError([ValidationIssue(.invalidDocument, message: "the workflow is not valid JSON")])
        }
    }

    /// The document as compact JSON with sorted keys: the form a snapshot stores.
    public func jsonBytes() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and dictionaries cannot fail.
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public func node(_ id: String) -> WorkflowNode? { nodes.first { $0.id == id } }
}

extension DecodingError {
    /// A sentence for a decoding error, with the path to the value at fault (`nodes[2].id`).
    public var readableDescription: String { describe(self) }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text.isEmpty ? "the workflow" : text
    }
    switch error {
    case .keyNotFound(let key, let context):
        return "\(path(context.codingPath)) has no '\(key.stringValue)'"
    case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
        let expected = type == String.self ? "a string" : type is [Any].Type ? "an array" : type is [String: Any].Type ? "an object" : "\(type)"
        return "\(path(context.codingPath)) should be \(expected)"
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty ? "the workflow is not valid JSON" : "\(path(context.codingPath)) is not valid: \(context.debugDescription)"
    @unknown default:
        return "the workflow document is not valid"
    }
}
