import Foundation
import Hummingbird
import Logging
import LoomWorkflow

/// An error as the API answers it: the right status and
/// `{"error": {"code": ..., "message": ..., "details": ...}}`, never a stack trace.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: Details?

    /// Structured details: the problems of an invalid workflow, or the fields at fault.
    public enum Details: Sendable, Encodable {
        case issues([ValidationIssue])
        case fields([String: String])

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .issues(let issues): try issues.encode(to: encoder)
            case .fields(let fields): try fields.encode(to: encoder)
            }
        }
    }

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: Details? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var headers: HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { fields[.wwwAuthenticate] = "Bearer" }
        return fields
    }

    private struct Body: Encodable {
        struct Inner: Encodable {
            var code: String
            var message: String
            var details: Details?

            enum CodingKeys: String, CodingKey { case code, message, details }

            /// `details` is null when there are none: every error has the same keys.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(code, forKey: .code)
                try container.encode(message, forKey: .message)
                try container.encode(details, forKey: .details)
            }
        }
        var error: Inner
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: body()))
    }

    /// The JSON body. Every part of it is encodable, so encoding cannot fail.
    func body() -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: try! encoder.encode(Body(error: .init(code: code, message: message, details: details))))
    }

    public static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, "unauthorized", message) }
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", "\(what) was not found") }
    public static func badRequest(_ code: String, _ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, code, message, details: field.map { .fields(["field": $0]) })
    }
    public static func conflict(_ code: String, _ message: String) -> APIError { APIError(.conflict, code, message) }
    public static func invalidWorkflow(_ error: WorkflowValidationError) -> APIError {
        APIError(.unprocessableContent, "invalid_workflow", error.issues.count == 1 ? error.issues[0].message : "the workflow has \(error.issues.count) problems", details: .issues(error.issues))
    }
}

/// Turns every error into the API's JSON shape: Hummingbird's own (no such route, body too
/// large) with their status, anything unexpected as a 500 that says nothing internal.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw Self.apiError(for: error, request: request, logger: context.logger)
        }
    }

    /// `error` as the API answers it; an unexpected one is logged.
    static func apiError(for error: any Error, request: Request, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            return APIError(error.status, code(for: error.status), error.body ?? message(for: error.status))
        case let error as any HTTPResponseError:
            return APIError(error.status, code(for: error.status), message(for: error.status))
        default:
            logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIError(.internalServerError, "internal_error", "the server could not complete the request; it has been logged")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "body_too_large"
        case .badRequest: "bad_request"
        case .unsupportedMediaType: "unsupported_media_type"
        default: "http_\(status.code)"
        }
    }

    static func message(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "there is no such route"
        case .contentTooLarge: "the request body is larger than this route accepts"
        default: status.reasonPhrase
        }
    }
}
