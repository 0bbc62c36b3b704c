import ArgumentParser
import Foundation

/// The operators' commands that go through the API (admin token).
extension Admin {
    struct WorkersCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "workers", abstract: "The workers: slots, jobs, last heartbeat, state.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                if options.json { return print(String(decoding: try await client.send("GET", "/api/admin/workers"), as: UTF8.self)) }
                let terminal = Terminal()
                let workers = try await client.list("/api/admin/workers")
                print(terminal.table([["worker", "name", "host", "state", "jobs", "heartbeat"]] + workers.map { worker in
                    [worker["instance_id"] as? String ?? "", worker["name"] as? String ?? "", worker["host"] as? String ?? "",
                     worker["state"] as? String ?? "", "\(worker["running_jobs"] as? Int ?? 0)/\(worker["slots"] as? Int ?? 0)",
                     shortTime(worker["last_heartbeat_at"])]
                }))
            }
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop giving a worker new jobs; its running jobs finish, then it exits.")
        @Argument(help: "The worker's instance id.") var worker: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                _ = try await client.object("POST", "/api/admin/workers/\(worker)/drain")
                print("worker \(worker): draining")
            }
        }
    }

    struct Undrain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a draining worker jobs again.")
        @Argument(help: "The worker's instance id.") var worker: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                _ = try await client.object("POST", "/api/admin/workers/\(worker)/undrain")
                print("worker \(worker): active")
            }
        }
    }

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Jobs in each status, and how long the oldest queued job has waited.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                let queue = try await client.object("GET", "/api/admin/queue")
                if options.json { return print(String(decoding: try JSONSerialization.data(withJSONObject: queue, options: [.sortedKeys]), as: UTF8.self)) }
                let counts = queue["counts"] as? [String: Int] ?? [:]
                let order = ["pending", "queued", "running", "completed", "failed", "cancelled"]
                print(Terminal().table([["status", "jobs"]] + order.map { [$0, "\(counts[$0] ?? 0)"] }))
                if let wait = queue["oldest_queued_seconds"] as? Double { print(String(format: "oldest queued job waiting %.1f s", wait)) }
            }
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a pending or queued job due now.")
        @Argument(help: "The job id.") var job: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                let job = try await client.object("POST", "/api/admin/jobs/\(self.job)/requeue")
                print("job \(self.job): \(job["status"] as? String ?? "")")
            }
        }
    }

    struct CancelJob: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel any user's job.")
        @Argument(help: "The job id.") var job: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                let job = try await client.object("POST", "/api/admin/jobs/\(self.job)/cancel")
                print("job \(self.job): \(job["status"] as? String ?? "")")
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a user credits (a negative amount takes some away).")
        @Argument(help: "The user's id.") var user: String
        @Argument(help: "Credits to add.") var amount: Int64
        @Option(help: "Why (shown in the user's ledger).") var note: String?
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClient(options) { client in
                var body: [String: Any] = ["amount": amount]
                if let note { body["note"] = note }
                let reply = try await client.object("POST", "/api/admin/users/\(user)/credits", json: body)
                print("user \(user) now has \(reply["credits"] as? Int ?? 0) credits")
            }
        }
    }
}
