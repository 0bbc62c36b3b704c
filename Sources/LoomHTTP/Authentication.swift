import Foundation
import Hummingbird
import LoomStore

/// Resolves `Authorization: Bearer TOKEN` into the caller (tokens are stored hashed).
/// WebSocket clients, which cannot always set headers, may pass `?token=TOKEN` instead.
/// A route group behind it answers 401 without a valid token; with `adminOnly`, 403 for a
/// caller who is not an admin.
struct Authentication: RouterMiddleware {
    typealias Context = APIRequestContext
    let users: Users
    var adminOnly = false
    var allowQueryToken = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = token(in: request) else {
            throw APIError.unauthorized("send your API token as 'Authorization: Bearer TOKEN'")
        }
        guard let user = try await users.authenticate(token: token) else {
            throw APIError.unauthorized("the token is not valid (or was revoked)")
        }
        if adminOnly, !user.isAdmin {
            throw APIError.forbidden("this route needs an admin token")
        }
        var context = context
        context.user = user
        return try await next(request, context)
    }

    private func token(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                return token.isEmpty ? nil : token
            }
            return nil
        }
        if allowQueryToken, let token = request.uri.queryParameters["token"], !token.isEmpty {
            return String(token)
        }
        return nil
    }
}
