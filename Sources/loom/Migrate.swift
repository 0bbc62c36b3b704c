import ArgumentParser
import Foundation
import LoomStore

/// Applies Loom's schema migrations to a database; a second run applies nothing.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the database schema migrations."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let pool = PostgresPool(.init(url: try database.requiredURL(), size: 1, applicationName: "loom-migrate"))
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
