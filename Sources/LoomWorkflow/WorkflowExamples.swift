import Foundation

/// The three complete example workflows shipped with Loom (classification with two models
/// compared, regression, clustering), on the bundled sample datasets, and the JSON Schema of
/// the format. The demo runs them; the docs show them.
public enum WorkflowExamples {
    public static let names = ["classification", "regression", "clustering"]

    /// The example's document as shipped.
    public static func json(_ name: String) throws -> [UInt8] {
        try resource(name, extension: "json")
    }

    public static func workflow(_ name: String) throws -> Workflow {
        try Workflow.parse(json: try json(name))
    }

    /// The JSON Schema (draft 2020-12) of a workflow document.
    public static func schema() throws -> [UInt8] {
        try resource("workflow.schema", extension: "json")
    }

    private static func resource(_ name: String, extension ext: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Examples")
            ?? Bundle.module.url(forResource: name, withExtension: ext)
        else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no example named '\(name)'; the examples are \(names.joined(separator: ", "))"])
        }
        return Array(try Data(contentsOf: url))
    }
}
