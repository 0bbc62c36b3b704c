import ArgumentParser
import Foundation
import LoomStore

/// Operator commands that work on the database directly: how the first admin comes to be.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate a Loom cluster: workers, the queue, jobs, credits, users.",
        discussion: """
            create-user and create-token write to the database directly (how the first admin comes \
            to be); the others go through the API with an admin token.
            """,
        subcommands: [
            WorkersCommand.self, Drain.self, Undrain.self, Queue.self, Requeue.self, CancelJob.self, Grant.self,
            CreateUser.self, CreateToken.self,
        ]
    )

    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-user", abstract: "Create a user and print their API token (shown once).")

        @Argument(help: "The user's name (unique).")
        var name: String

        @Flag(help: "Make the user an admin (operators' API and metrics).")
        var admin = false

        @Option(help: "Credits the user starts with.")
        var credits: Int64 = 1_000

        @Flag(help: "Print {\"id\", \"name\", \"token\"} as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard credits >= 0 else { throw ValidationError("credits cannot be negative") }
            do {
                let (user, token) = try await database.withPool { pool in
                    try await Users(pool: pool).create(name: name, isAdmin: admin, credits: credits)
                }
                if json {
                    print("{\"id\": \"\(user.id.uuidString.lowercased())\", \"name\": \(quoted(user.name)), \"token\": \"\(token)\"}")
                } else {
                    print("created \(admin ? "admin" : "user") \(user.name) (\(user.id.uuidString.lowercased())) with \(credits) credits")
                    print("token: \(token)")
                    print("(shown once; send it as 'Authorization: Bearer TOKEN')")
                }
            } catch let error as PostgresError where error.sqlState == "23505" {
                Terminal().fail("there is already a user named '\(name)'")
                throw ExitCode(1)
            }
        }
    }

    struct CreateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-token", abstract: "Give an existing user a further API token (shown once).")

        @Argument(help: "The user's id.")
        var user: String

        @Option(help: "What the token is for (a machine, a script).")
        var name = "cli"

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let id = UUID(uuidString: user) else { throw ValidationError("'\(user)' is not a user id") }
            let token = try await database.withPool { pool in
                guard try await Users(pool: pool).user(id) != nil else { throw ValidationError("there is no user \(user)") }
                return try await Users(pool: pool).createToken(for: id, name: name).token
            }
            print(token)
        }
    }
}

/// A JSON string literal.
private func quoted(_ text: String) -> String {
    String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
}
