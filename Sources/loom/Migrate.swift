import ArgumentParser
import Foundation
import LoomStore

/// Applies Loom's schema migrations to a database; a second run applies nothing.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the database schema migrations."
    )

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (default: $LOOM_DATABASE_URL or $DATABASE_URL).")
    var databaseURL: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = databaseURL ?? environment["LOOM_DATABASE_URL"] ?? environment["DATABASE_URL"] else {
            throw ValidationError("no database: pass --database-url or set LOOM_DATABASE_URL")
        }
        let pool = PostgresPool(.init(url: url, size: 1, applicationName: "loom-migrate"))
        do {
            let applied = try await Migrator.bundled().migrate(pool)
            print(applied.isEmpty ? "migrate: up to date" : "migrate: applied \(applied.map(String.init).joined(separator: ", "))")
            await pool.close()
        } catch {
            await pool.close()
            print("migrate: \(error)")
            throw ExitCode(1)
        }
    }
}
