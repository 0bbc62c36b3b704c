import Foundation
import Hummingbird
import HummingbirdWebSocket
import LoomStore

/// `GET /api/workflows/{job_id}/stream`: the seed's live stream of a job, as a WebSocket.
///
/// The token comes in the Authorization header or as `?token=` (browsers cannot set headers
/// on a WebSocket). Everything is checked before the upgrade, with ordinary JSON errors: 401
/// without a valid token, 404 for an unknown job or another user's, 400 for a bad `after`,
/// 503 when the job already has `maxClientsPerJob` clients, and 426 for a request that passes
/// all that but is no handshake. A refused handshake gets the same answers
/// (`WebSocketRefusals`). `?after=SEQ` resumes after SEQ.
struct StreamRoutes {
    let hub: JobEventHub
    let users: Users
    let refusals: WebSocketRefusals

    func register(on api: RouterGroup<APIRequestContext>) {
        api.group("workflows")
            .add(middleware: refusals.recorder)
            .add(middleware: Authentication(users: users, allowQueryToken: true))
            .ws(
                ":id/stream",  // the parameter is a job id; named as the workflow routes name theirs
                shouldUpgrade: { request, context in
                    _ = try await check(request, context)
                    return .upgrade([:])
                },
                onUpgrade: { inbound, outbound, context in
                    guard let target = try? Self.target(context.request, context.requestContext) else { return }
                    let session = StreamSession(hub: hub, jobID: target.job, after: target.after, logger: context.logger)
                    await session.run(inbound: inbound, outbound: outbound)
                }
            )
    }

    /// The caller's job and the seq to resume after, or the error to answer with.
    private func check(_ request: Request, _ context: APIRequestContext) async throws -> (UUID, Int64) {
        let user = try context.caller()
        let (job, after) = try Self.target(request, context)
        guard let record = try await hub.queue.job(job), record.userID == user.id else {
            throw APIError.notFound("job \(job.uuidString.lowercased())")
        }
        guard hub.hasRoom(for: job) else {
            throw APIError(.serviceUnavailable, "too_many_clients", "this job has as many stream clients as the server takes; try again later")
        }
        // A plain GET must not look like a stream that opened.
        guard request.headers[.secWebSocketKey] != nil else {
            throw APIError(.upgradeRequired, "websocket_required", "this route is a WebSocket: connect with the WebSocket handshake (Upgrade: websocket)")
        }
        return (job, after)
    }

    private static func target(_ request: Request, _ context: APIRequestContext) throws -> (job: UUID, after: Int64) {
        let id = context.parameters.get("id") ?? ""
        guard let job = UUID(uuidString: id) else { throw APIError.notFound("job \(id)") }
        var after: Int64 = 0
        if let text = request.uri.queryParameters["after"] {
            guard let value = Int64(String(text)), value >= 0 else {
                throw APIError.badRequest("invalid_after", "after must be a sequence number (an integer, 0 or more)", field: "after")
            }
            after = value
        }
        return (job, after)
    }
}
