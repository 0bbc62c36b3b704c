import Foundation
import Hummingbird

/// `GET /api/openapi.json`: the OpenAPI 3.1 document of the whole API (openapi.json beside
/// this file), public like the health routes. The document is written by hand from what
/// the routes do; OpenAPITests keep it honest (every route documented, real responses
/// valid against it).
struct OpenAPIRoute {
    /// Read once from the bundle; nil only if the resource is missing from the build.
    static let document: ByteBuffer? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }
        .map { ByteBuffer(bytes: $0) }

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("openapi.json") { _, _ -> Response in
            guard let document = Self.document else {
                throw APIError(.internalServerError, "internal_error", "the OpenAPI document is missing from this build")
            }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: document))
        }
    }
}
