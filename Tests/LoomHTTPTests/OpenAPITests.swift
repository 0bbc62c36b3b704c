import Foundation
import Hummingbird
import LoomHTTP
import Testing

/// The OpenAPI document itself: well formed, served, and covering exactly the routes the
/// router registers.
@Suite struct OpenAPITests {
    /// Routes documented before they are registered (none now: every one is checked both ways).
    static let documentedAhead: Set<String> = []

    @Test func theDocumentIsWellFormed() throws {
        let document = try OpenAPIDocument.fromSource()
        #expect(document.json["openapi"]?.string?.hasPrefix("3.1.") == true)

        var references: [String] = []
        Self.collect(document.json) { key, value in if key == "$ref", let text = value.string { references.append(text) } }
        for reference in Set(references) { #expect(document.validator.resolve(reference) != nil, "\(reference) does not resolve") }

        var operationIDs: [String] = []
        for (method, path, operation) in document.operations {
            let name = "\(method) \(path)"
            let id = try #require(operation["operationId"]?.string, "\(name) has no operationId")
            operationIDs.append(id)
            let responses = operation["responses"]?.object ?? [:]
            #expect(responses["500"] != nil, "\(name) does not document 500")
            let security = operation["security"] ?? document.json["security"]
            if security?.array?.isEmpty == false {
                #expect(responses["401"] != nil, "\(name) needs a token but does not document 401")
            }
            if path.hasPrefix("/api/admin/") { #expect(responses["403"] != nil, "\(name) is for admins but does not document 403") }

            // Path parameters: exactly the template's, each required.
            let parameters = (operation["parameters"]?.array ?? []).map(document.resolved)
            let declared = Set(parameters.filter { $0["in"]?.string == "path" }.compactMap { $0["name"]?.string })
            let inTemplate = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            #expect(declared == inTemplate, "\(name) declares path parameters \(declared.sorted()), the path has \(inTemplate.sorted())")
            for parameter in parameters where parameter["in"]?.string == "path" {
                #expect(parameter["required"] == .bool(true), "\(name): path parameter \(parameter["name"]?.string ?? "?") is not required")
            }
        }
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds are not unique: \(operationIDs.sorted())")

        // Every schema says only what the test validator checks, and every example fits its schema.
        var schemas: [(String, JSON)] = (document.json["components"]?["schemas"]?.object ?? [:]).map { ("#/components/schemas/\($0.key)", $0.value) }
        Self.collect(document.json) { key, value in if key == "schema" { schemas.append(("a schema", value)) } }
        for (place, schema) in schemas {
            let unknown = document.validator.unknownKeywords(in: schema, at: place)
            #expect(unknown.isEmpty, "keywords the tests cannot check: \(unknown)")
        }
        var examples = 0
        Self.collect(document.json) { key, value in
            guard let object = value.object else { return }
            if let schema = object["schema"], let example = object["example"] {
                examples += 1
                let problems = document.validator.problems(example, schema)
                #expect(problems.isEmpty, "an example does not fit its schema: \(problems)")
            }
            if let list = object["examples"]?.array, object["type"] != nil || object["allOf"] != nil || object["$ref"] != nil {
                for example in list {
                    examples += 1
                    let problems = document.validator.problems(example, value)
                    #expect(problems.isEmpty, "an example does not fit its schema: \(problems)")
                }
            }
        }
        #expect(examples >= 10)
    }

    /// The workflow format in the document is LoomWorkflow's own schema, and the shipped
    /// example workflows fit it.
    @Test func theWorkflowFormatIsLoomWorkflowsSchema() throws {
        let document = try OpenAPIDocument.fromSource()
        let examples = OpenAPIDocument.repositoryRoot.appendingPathComponent("Sources/LoomWorkflow/Examples")
        let schema = try JSON.parse(Data(contentsOf: examples.appendingPathComponent("workflow.schema.json")))
        let names = [
            "node": "DocumentNode", "edge": "DocumentEdge", "datasetData": "DatasetNodeData", "preprocessingData": "PreprocessingNodeData",
            "splitData": "SplitNodeData", "modelData": "ModelNodeData", "evaluateData": "EvaluateNodeData", "visualizeData": "VisualizeNodeData",
        ]
        func rewritten(_ value: JSON) -> JSON {
            switch value {
            case .object(let object):
                return .object(object.reduce(into: [:]) { result, member in
                    if member.key == "$ref", let target = member.value.string, target.hasPrefix("#/$defs/") {
                        result[member.key] = .string("#/components/schemas/" + names[String(target.dropFirst("#/$defs/".count))]!)
                    } else {
                        result[member.key] = rewritten(member.value)
                    }
                })
            case .array(let values): return .array(values.map(rewritten))
            default: return value
            }
        }
        let components = try #require(document.json["components"]?["schemas"])
        for (definition, component) in names {
            let original = try #require(schema["$defs"]?[definition])
            #expect(components[component] == rewritten(original), "\(component) differs from workflow.schema.json's \(definition)")
        }
        let top = try #require(components["WorkflowDocument"])
        for keyword in ["type", "required", "properties"] {
            let original = try #require(schema[keyword])
            #expect(top[keyword] == rewritten(original), "WorkflowDocument.\(keyword) differs from workflow.schema.json")
        }

        let workflowDocument = JSON.object(["$ref": .string("#/components/schemas/WorkflowDocument")])
        for name in ["classification", "regression", "clustering"] {
            let example = try JSON.parse(Data(contentsOf: examples.appendingPathComponent("\(name).json")))
            #expect(document.validator.problems(example, workflowDocument).isEmpty, "\(name).json: \(document.validator.problems(example, workflowDocument))")
        }
        let iris = try JSON.parse(JSONSerialization.data(withJSONObject: irisWorkflowJSON()))
        #expect(document.validator.problems(iris, workflowDocument).isEmpty)
        var broken = irisWorkflowJSON()
        broken["nodes"] = [["id": "data", "type": "dataset", "data": ["datasetId": "sample:iris", "problemType": "astrology"]]]
        #expect(!document.validator.problems(try JSON.parse(JSONSerialization.data(withJSONObject: broken)), workflowDocument).isEmpty)
    }

    /// The validation issue codes the document lists are the validator's.
    @Test func theIssueCodesAreTheValidatorsCodes() throws {
        let document = try OpenAPIDocument.fromSource()
        let source = try String(
            contentsOf: OpenAPIDocument.repositoryRoot.appendingPathComponent("Sources/LoomWorkflow/ValidationIssue.swift"), encoding: .utf8)
        let codes = Set(source.matches(of: #/Code\(rawValue: "([a-z_]+)"\)/#).map { String($0.output.1) })
        let documented = Set(document.json["components"]?["schemas"]?["ValidationIssue"]?["properties"]?["code"]?["enum"]?.array?.compactMap(\.string) ?? [])
        #expect(!codes.isEmpty)
        #expect(documented == codes, "missing: \(codes.subtracting(documented).sorted()), extra: \(documented.subtracting(codes).sorted())")
    }

    @Test func theServerAnswersTheDocumentWithoutAToken() async throws {
        try await withAPIServer { server in
            let reply = try await server.send("GET", "/api/openapi.json")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
            let served = try OpenAPIDocument(reply.body)
            #expect(served.json == (try OpenAPIDocument.fromSource()).json)
            #expect(served.json["info"]?["title"]?.string == "Loom API")
            // Public even with a bad token: it authenticates nobody.
            #expect(try await server.send("GET", "/api/openapi.json", token: "not-a-token").status == 200)
        }
    }

    /// Both ways: every route the router registers is documented, and every documented
    /// operation is a route. Parameter names do not matter ({id} and {job_id} are one
    /// path to a client). The dashboard's page and files (/, /dashboard/...) are not API.
    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() async throws {
        try await withAPIServer { server in
            let router = APIServer(configuration: APIConfiguration(), services: server.services).router()
            let served = Set(router.routes.map { "\($0.method.rawValue) \(Self.normalized($0.path.description))" })
                .filter { !$0.hasSuffix(" /") && !$0.contains(" /dashboard") }
            let document = try OpenAPIDocument(try await server.send("GET", "/api/openapi.json").body)
            let documented = Set(document.operations.map { "\($0.method) \(Self.normalized($0.path))" })
            #expect(served.count >= 35, "\(served.sorted())")

            let undocumented = served.subtracting(documented)
            #expect(undocumented.isEmpty, "routes missing from openapi.json: \(undocumented.sorted())")
            let phantom = documented.subtracting(served).subtracting(Self.documentedAhead)
            #expect(phantom.isEmpty, "openapi.json documents routes the server lacks: \(phantom.sorted())")
        }
    }

    static func normalized(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("{") && $0.hasSuffix("}") ? "{}" : String($0) }
            .joined(separator: "/")
    }

    /// Calls `visit` with every key and value in `json`, depth first.
    static func collect(_ json: JSON, _ visit: (String, JSON) -> Void) {
        switch json {
        case .object(let object):
            for (key, value) in object {
                visit(key, value)
                collect(value, visit)
            }
        case .array(let values): for value in values { collect(value, visit) }
        default: break
        }
    }
}
