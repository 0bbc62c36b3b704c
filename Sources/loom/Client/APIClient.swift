import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small client of Loom's HTTP API for the CLI: JSON in, JSON out, and the API's
/// errors turned into one readable line.
struct APIClient: Sendable {
    let server: URL
    let token: String?

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var code: String
        var message: String
        /// The problems of an invalid workflow: node_id, field, message, code.
        var details: [[String: String]]

        var description: String {
            var text = "\(message) [\(code), HTTP \(status)]"
            for issue in details {
                let place = [issue["node_id"], issue["field"]].compactMap { $0 }.joined(separator: ", ")
                text += "\n  - \(place.isEmpty ? "" : place + ": ")\(issue["message"] ?? "") [\(issue["code"] ?? "")]"
            }
            return text
        }
    }

    func url(_ path: String) -> URL { URL(string: path, relativeTo: server)!.absoluteURL }

    /// Sends a request; returns the body of a 2xx answer, throws `Failure` for others.
    @discardableResult
    func send(_ method: String, _ path: String, json: Any? = nil, body: Data? = nil, contentType: String? = nil) async throws -> Data {
        var request = URLRequest(url: url(path))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
        }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw Failure(status: 0, code: "unreachable", message: "cannot reach \(server.absoluteString): \(error.localizedDescription)", details: [])
        }
        try check(response, data)
        return data
    }

    /// A 2xx answer passes; anything else becomes a `Failure` with the API's error.
    func check(_ response: URLResponse, _ data: Data) throws {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard !(200..<300).contains(status) else { return }
        let error = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? [String: Any]
        throw Failure(
            status: status, code: error?["code"] as? String ?? "http_\(status)",
            message: error?["message"] as? String ?? HTTPURLResponse.localizedString(forStatusCode: status),
            details: (error?["details"] as? [[String: Any]] ?? []).map { $0.compactMapValues { $0 as? String } })
    }

    func object(_ method: String, _ path: String, json: Any? = nil) async throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try await send(method, path, json: json)) as? [String: Any] ?? [:]
    }

    func list(_ path: String) async throws -> [[String: Any]] {
        let value = try JSONSerialization.jsonObject(with: try await send("GET", path))
        if let page = value as? [String: Any], let items = page["items"] as? [[String: Any]] { return items }
        return value as? [[String: Any]] ?? []
    }

    /// The WebSocket address of `path` on the same server.
    func webSocketURL(_ path: String) -> String {
        var components = URLComponents(url: url(path), resolvingAgainstBaseURL: true)!
        components.scheme = server.scheme == "https" ? "wss" : "ws"
        return components.string!
    }
}
