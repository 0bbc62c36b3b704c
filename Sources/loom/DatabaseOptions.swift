import ArgumentParser
import Foundation
import LoomStore

/// `--database-url`, shared by the commands that talk to PostgreSQL directly. Like every
/// option it can come from the environment as `LOOM_DATABASE_URL`; `DATABASE_URL` (what
/// scripts/pg prints) is read last.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (default: $LOOM_DATABASE_URL, then $DATABASE_URL).")
    var databaseURL: String?

    /// The URL given, if any.
    var url: String? { databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] }

    /// The URL given, or a usage error that says how to give one.
    func requiredURL() throws -> String {
        guard let url else { throw ValidationError("no database: pass --database-url or set LOOM_DATABASE_URL") }
        return url
    }

    /// Runs `body` with a one-connection pool, closed afterwards whatever happens.
    func withPool<T>(applicationName: String = "loom-admin", _ body: (PostgresPool) async throws -> T) async throws -> T {
        let pool = PostgresPool(.init(url: try requiredURL(), size: 1, applicationName: applicationName))
        do {
            let result = try await body(pool)
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }
}
