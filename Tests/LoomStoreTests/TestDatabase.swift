import Foundation
import Testing

/// The throwaway PostgreSQL server that scripts/test starts (scripts/pg) and names in
/// DATABASE_URL. Tests that need it fail with this message when it is missing, rather
/// than pass without having run.
enum TestDatabase {
    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
                throw MissingDatabase()
            }
            return url
        }
    }

    struct MissingDatabase: Error, CustomStringConvertible {
        var description: String {
            "DATABASE_URL is not set: run scripts/test, or `scripts/pg start DIR` and export the URL it prints"
        }
    }
}
