import Foundation
import Hummingbird
import LoomStore

/// The caller's own account: credits, ledger, tokens.
struct AccountRoutes {
    let configuration: APIConfiguration
    let services: APIServices

    struct TokenBody: Decodable { var name: String }

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("me") { _, context in
            guard let user = try await services.users.user(try context.caller().id) else { throw APIError.notFound("the user") }
            return try JSONBody.response(UserView(user))
        }
        group.get("me/ledger") { _, context in
            try JSONBody.response(try await services.users.ledger(of: try context.caller().id).map(LedgerView.init))
        }
        group.get("me/tokens") { _, context in
            try JSONBody.response(try await services.users.tokens(of: try context.caller().id).map { TokenView($0) })
        }
        group.post("me/tokens") { request, context in
            let body = try await JSONBody.decode(TokenBody.self, from: request, limit: configuration.maxJSONBody)
            let (token, secret) = try await services.users.createToken(for: try context.caller().id, name: try TokenRules.name(body.name))
            return try JSONBody.response(TokenView(token, secret: secret), status: .created)
        }
        group.delete("me/tokens/:id") { _, context -> Response in
            let id = try context.parameters.id("id", "the token")
            guard try await services.users.revokeToken(id, owner: try context.caller().id) else { throw APIError.notFound("the token") }
            return Response(status: .noContent)
        }
    }
}

enum TokenRules {
    static func name(_ text: String) throws -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else {
            throw APIError.badRequest("invalid_field", "a token's name must have 1 to 100 characters", field: "name")
        }
        return name
    }
}
