import Foundation
import Hummingbird
import LoomStore

/// The operators' API (admin token only): workers (drain, undrain), the queue, any job,
/// users, tokens and credits.
struct AdminRoutes {
    let configuration: APIConfiguration
    let services: APIServices

    struct UserBody: Decodable {
        var name: String
        var isAdmin: Bool?
        var credits: Int64?
        enum CodingKeys: String, CodingKey {
            case name, credits
            case isAdmin = "is_admin"
        }
    }

    struct CreditsBody: Decodable {
        var amount: Int64
        var note: String?
    }

    struct WorkerView: Encodable {
        var instanceID: UUID
        var name: String
        var host: String
        var slots: Int32
        var runningJobs: Int
        var state: String
        var labels: JSONFragment
        var connectedAt: Date
        var lastHeartbeatAt: Date
        /// The client certificate it presented over mutual TLS; absent without one.
        var certificateIdentity: String?
        enum CodingKeys: String, CodingKey {
            case name, host, slots, state, labels
            case instanceID = "instance_id"
            case runningJobs = "running_jobs"
            case connectedAt = "connected_at"
            case lastHeartbeatAt = "last_heartbeat_at"
            case certificateIdentity = "certificate_identity"
        }
    }

    func register(on group: RouterGroup<APIRequestContext>) {
        let workers = Workers(pool: services.pool)
        group.get("workers") { _, _ in
            try JSONBody.response(try await workers.list().map { worker in
                WorkerView(
                    instanceID: worker.instanceID, name: worker.name, host: worker.host, slots: worker.capacity,
                    runningJobs: worker.runningJobs, state: worker.state.rawValue, labels: JSONFragment(worker.labels.json),
                    connectedAt: worker.connectedAt, lastHeartbeatAt: worker.lastHeartbeatAt,
                    certificateIdentity: worker.certificateIdentity)
            })
        }
        for (action, state) in [("drain", WorkerState.draining), ("undrain", WorkerState.active)] {
            group.post("workers/:id/\(action)") { _, context -> Response in
                let id = try context.parameters.id("id", "the worker")
                guard try await workers.setStateAndAnnounce(id, state) else { throw APIError.notFound("the worker") }
                return try JSONBody.response(["instance_id": id.uuidString.lowercased(), "state": state.rawValue], status: .accepted)
            }
        }
        group.get("queue") { _, _ in
            let statistics = try await services.queue.statistics()
            return try JSONBody.response(QueueView(
                counts: Dictionary(uniqueKeysWithValues: statistics.counts.map { ($0.key.rawValue, $0.value) }),
                oldestQueuedSeconds: statistics.oldestQueuedSeconds))
        }
        group.post("jobs/:id/requeue") { _, context -> Response in
            let id = try context.parameters.id("id", "the job")
            guard let job = try await services.queue.job(id) else { throw APIError.notFound("the job") }
            guard try await services.queue.requeue(id) else {
                throw APIError.conflict("not_waiting", "the job is \(job.status.rawValue); only a pending or queued job is requeued (retry a finished one as its owner)")
            }
            return try JSONBody.response(JobView(try await services.queue.job(id) ?? job), status: .accepted)
        }
        group.post("jobs/:id/cancel") { _, context -> Response in
            let id = try context.parameters.id("id", "the job")
            guard try await services.queue.job(id) != nil else { throw APIError.notFound("the job") }
            switch try await services.queue.cancel(jobID: id) {
            case .cancelled, .requested:
                guard let job = try await services.queue.job(id) else { throw APIError.notFound("the job") }
                return try JSONBody.response(JobView(job), status: .accepted)
            case .alreadyFinished(let status):
                throw APIError.conflict("job_finished", "the job already finished (\(status.rawValue))")
            }
        }
        group.get("users") { request, _ in
            let page = try Page(request, maximum: configuration.maxPageSize)
            return try JSONBody.response(try await services.users.list(limit: page.limit, offset: page.offset).map(UserView.init))
        }
        group.post("users") { request, _ in
            let body = try await JSONBody.decode(UserBody.self, from: request, limit: configuration.maxJSONBody)
            let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(name.count) else {
                throw APIError.badRequest("invalid_field", "a user's name must have 1 to 100 characters", field: "name")
            }
            let credits = body.credits ?? configuration.initialCredits
            guard credits >= 0 else { throw APIError.badRequest("invalid_field", "credits cannot be negative", field: "credits") }
            do {
                let (user, token) = try await services.users.create(name: name, isAdmin: body.isAdmin ?? false, credits: credits)
                struct Created: Encodable {
                    var user: UserView
                    var token: String
                }
                return try JSONBody.response(Created(user: UserView(user), token: token), status: .created)
            } catch let error as PostgresError where error.sqlState == "23505" {
                throw APIError.conflict("name_taken", "there is already a user named '\(name)'")
            }
        }
        group.post("users/:id/credits") { request, context in
            let id = try context.parameters.id("id", "the user")
            let body = try await JSONBody.decode(CreditsBody.self, from: request, limit: configuration.maxJSONBody)
            guard try await services.users.user(id) != nil else { throw APIError.notFound("the user") }
            do {
                let balance = try await services.users.grant(id, amount: body.amount, note: body.note ?? "granted by an operator")
                return try JSONBody.response(["credits": balance])
            } catch let error as PostgresError where error.sqlState == "23514" {
                throw APIError.conflict("insufficient_credits", "the user has fewer than \(-body.amount) credits to take away")
            }
        }
        group.get("users/:id/tokens") { _, context in
            let id = try context.parameters.id("id", "the user")
            guard try await services.users.user(id) != nil else { throw APIError.notFound("the user") }
            return try JSONBody.response(try await services.users.tokens(of: id).map { TokenView($0) })
        }
        group.post("users/:id/tokens") { request, context in
            let id = try context.parameters.id("id", "the user")
            let body = try await JSONBody.decode(AccountRoutes.TokenBody.self, from: request, limit: configuration.maxJSONBody)
            guard try await services.users.user(id) != nil else { throw APIError.notFound("the user") }
            let (token, secret) = try await services.users.createToken(for: id, name: try TokenRules.name(body.name))
            return try JSONBody.response(TokenView(token, secret: secret), status: .created)
        }
        group.delete("tokens/:id") { _, context -> Response in
            let id = try context.parameters.id("id", "the token")
            guard try await services.users.revokeToken(id) else { throw APIError.notFound("the token") }
            return Response(status: .noContent)
        }
    }
}
