import Foundation
import Testing

/// Loom's OpenAPI document as the tests read it: operations by method and concrete path,
/// and the check of a real response against what its operation documents.
struct OpenAPIDocument {
    let json: JSON
    let validator: JSONSchemaValidator

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    init(_ data: Data) throws {
        json = try JSON.parse(data)
        validator = JSONSchemaValidator(root: json)
    }

    /// The document as committed (Sources/LoomHTTP/OpenAPI/openapi.json), for the checks
    /// that need no server.
    static func fromSource() throws -> OpenAPIDocument {
        try OpenAPIDocument(Data(contentsOf: repositoryRoot.appendingPathComponent("Sources/LoomHTTP/OpenAPI/openapi.json")))
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    var paths: [String: JSON] { json["paths"]?.object ?? [:] }

    /// Every documented operation as "METHOD /path/{param}".
    var operations: [(method: String, path: String, operation: JSON)] {
        var found: [(method: String, path: String, operation: JSON)] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            for method in Self.methods {
                if let operation = item[method] { found.append((method: method.uppercased(), path: path, operation: operation)) }
            }
        }
        return found
    }

    /// The operation a request reaches: literal segments win over parameters, as in the router.
    func operation(_ method: String, _ path: String) -> (template: String, operation: JSON)? {
        let segments = path.split(separator: "?", maxSplits: 1)[0].split(separator: "/", omittingEmptySubsequences: false)
        var best: (template: String, operation: JSON, literals: Int)?
        for (template, item) in paths {
            guard let operation = item[method.lowercased()] else { continue }
            let pattern = template.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == segments.count else { continue }
            var literals = 0
            var matches = true
            for (expected, actual) in zip(pattern, segments) {
                if expected.hasPrefix("{") && expected.hasSuffix("}") {
                    if actual.isEmpty { matches = false }
                } else if expected == actual {
                    literals += 1
                } else {
                    matches = false
                }
                if !matches { break }
            }
            if matches, literals > (best?.literals ?? -1) { best = (template, operation, literals) }
        }
        return best.map { ($0.template, $0.operation) }
    }

    /// Follows `$ref`s until a value that is not one.
    func resolved(_ value: JSON) -> JSON {
        var value = value
        while let reference = value["$ref"]?.string, let target = validator.resolve(reference) { value = target }
        return value
    }

    /// What is wrong with `reply` as the answer to `method path`: an undocumented route or
    /// status, a content type the response does not list, a missing documented header, or a
    /// body that does not match the documented schema.
    func problems(with reply: APITestServer.Reply, to method: String, _ path: String) -> [String] {
        guard let match = operation(method, path) else { return ["\(method) \(path) is not documented"] }
        let template = match.template
        let responses = match.operation["responses"]?.object ?? [:]
        guard let documented = responses[String(reply.status)] ?? responses["\(reply.status / 100)XX"] ?? responses["default"] else {
            return ["\(method) \(template) does not document status \(reply.status) (documents \(responses.keys.sorted().joined(separator: ", ")))"]
        }
        let response = resolved(documented)
        var found: [String] = []
        for header in (response["headers"]?.object ?? [:]).keys where reply.headers[header.lowercased()] == nil {
            found.append("the documented header \(header) is missing")
        }
        guard let content = response["content"]?.object, !content.isEmpty else {
            if !reply.body.isEmpty { found.append("\(reply.status) documents no body, but one came: \(reply.text.prefix(200))") }
            return found
        }
        let contentType = reply.headers["content-type"]?.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let major = contentType.split(separator: "/").first.map(String.init) ?? ""
        guard let media = content[contentType] ?? content["\(major)/*"] ?? content["*/*"] else {
            return found + ["\(reply.status) came as '\(contentType)'; documented: \(content.keys.sorted().joined(separator: ", "))"]
        }
        guard contentType == "application/json", let schema = media["schema"] else { return found }
        guard let body = try? JSON.parse(reply.body) else { return found + ["the body is not JSON: \(reply.text.prefix(200))"] }
        return found + validator.problems(body, schema).map { "\(method) \(template) \(reply.status): \($0)" }
    }
}

/// Sends requests through the test server and checks every answer against the document,
/// keeping a tally of which operations and statuses were seen.
final class CheckedClient: @unchecked Sendable {
    let server: APITestServer
    let document: OpenAPIDocument
    private let lock = NSLock()
    private var seen: Set<String> = []

    init(server: APITestServer, document: OpenAPIDocument) {
        self.server = server
        self.document = document
    }

    /// Exercised "METHOD /template STATUS" entries.
    var exercised: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }

    private func record(_ entry: String) {
        lock.lock()
        defer { lock.unlock() }
        seen.insert(entry)
    }

    nonisolated(unsafe) static let id = #/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/#

    @discardableResult
    func send(
        _ method: String, _ path: String, token: String? = nil, json: Any? = nil, body: Data? = nil, contentType: String? = nil,
        expect status: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APITestServer.Reply {
        let reply = try await server.send(method, path, token: token, json: json, body: body, contentType: contentType)
        #expect(reply.status == status, "\(method) \(path): \(reply.status) \(reply.text.prefix(300))", sourceLocation: sourceLocation)
        for problem in document.problems(with: reply, to: method, path) {
            Issue.record("\(method) \(path) → \(reply.status): \(problem)", sourceLocation: sourceLocation)
        }
        // Ids go out in their canonical, lowercase form, whatever case the request used.
        if reply.headers["content-type"]?.hasPrefix("application/json") == true,
            let upper = reply.text.matches(of: Self.id).map({ String($0.output) }).first(where: { $0 != $0.lowercased() })
        {
            Issue.record("\(method) \(path) → \(reply.status): an id in upper case: \(upper)", sourceLocation: sourceLocation)
        }
        if let template = document.operation(method, path)?.template {
            record("\(method) \(template) \(reply.status)")
        }
        return reply
    }
}
