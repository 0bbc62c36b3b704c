import Foundation
import Hummingbird
import LoomWorkflow

/// Reading request bodies and writing JSON responses the same way on every route.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Decodes a JSON body of at most `limit` bytes; a body that is too large is refused
    /// with 413 before it is read in full, malformed JSON with 400 saying where.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw tooLarge(limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw tooLarge(limit)
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.badRequest("invalid_json", "the request needs a JSON body")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw APIError.badRequest("invalid_json", "the body is not valid JSON")
            }
            throw APIError.badRequest("invalid_body", error.readableDescription.replacingOccurrences(of: "the workflow", with: "the body"))
        }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "body_too_large", "the body is larger than the \(limit) bytes this route accepts")
    }

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `limit` and `offset` query parameters, checked.
struct Page: Sendable {
    var limit: Int
    var offset: Int

    init(_ request: Request, maximum: Int) throws {
        let query = request.uri.queryParameters
        limit = 50
        offset = 0
        if let text = query["limit"] {
            guard let value = Int(text), (1...maximum).contains(value) else {
                throw APIError.badRequest("invalid_parameter", "limit must be a whole number from 1 to \(maximum)", field: "limit")
            }
            limit = value
        }
        if let text = query["offset"] {
            guard let value = Int(text), value >= 0 else {
                throw APIError.badRequest("invalid_parameter", "offset must be a whole number of 0 or more", field: "offset")
            }
            offset = value
        }
    }
}

/// A listing page as the API returns it.
struct PageView<Item: Encodable>: Encodable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int
}

extension Parameters {
    /// A path parameter that must be a UUID; anything else is an unknown id (404).
    func id(_ name: String, _ what: String) throws -> UUID {
        guard let text = get(name), let id = UUID(uuidString: text) else { throw APIError.notFound(what) }
        return id
    }
}

extension KeyedEncodingContainer {
    /// Every id the API writes is lowercase, its canonical form (Foundation's `uuidString` is
    /// upper case); input takes either case, as `UUID(uuidString:)` reads both. Synthesized
    /// `encode(to:)` in this module picks this overload over the generic one. (`Views.swift`
    /// has the one for optional ids.)
    mutating func encode(_ id: UUID, forKey key: Key) throws {
        try encode(id.uuidString.lowercased(), forKey: key)
    }
}
