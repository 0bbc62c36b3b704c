import ArgumentParser
import Foundation
import LoomColumnar
import LoomStore

/// Checks that this machine can run Loom: LZ4 compresses and restores real data, and
/// PostgreSQL answers a parameterized query through libpq.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the system libraries and the database connection."
    )

    @Option(help: "A folder of CSV files to compress and restore with LZ4.")
    var datasets: String?

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        var failures = 0
        if let datasets {
            failures += checkLZ4(folder: datasets)
        }
        if let url = database.url {
            failures += checkPostgres(url: url)
        } else {
            print("postgres: skipped (no --database-url, LOOM_DATABASE_URL or DATABASE_URL)")
        }
        if failures > 0 {
            throw ExitCode(1)
        }
    }

    private func checkLZ4(folder: String) -> Int {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0.hasSuffix(".csv") }.sorted()
        } catch {
            print("lz4: cannot list \(folder): \(error.localizedDescription)")
            return 1
        }
        print("lz4: round trip of \(files.count) CSV files in \(folder)")
        print("  file                      bytes   compressed   ratio   restored")
        var failures = 0
        for name in files {
            guard let data = FileManager.default.contents(atPath: "\(folder)/\(name)") else {
                print("  \(name): unreadable")
                failures += 1
                continue
            }
            let bytes = [UInt8](data)
            do {
                let packed = try LZ4.compress(bytes)
                let restored = try LZ4.decompress(packed, rawCount: bytes.count)
                let same = restored == bytes
                if !same { failures += 1 }
                let ratio = Double(bytes.count) / Double(packed.count)
                print(
                    "  \(name.padding(toLength: 20, withPad: " ", startingAt: 0))"
                        + " \(pad(bytes.count, 10)) \(pad(packed.count, 12))"
                        + "   \(String(format: "%5.2f", ratio))   \(same ? "identical" : "DIFFERENT")"
                )
            } catch {
                print("  \(name): \(error)")
                failures += 1
            }
        }
        return failures
    }

    private func checkPostgres(url: String) -> Int {
        do {
            let connection = try PostgresConnection(url)
            let row = try connection.query("SELECT current_setting($1), $2::int + $3::int", ["server_version", Int32(40), Int32(2)])[0]
            let version = try row.decode(0, as: String.self)
            let sum = try row.decode(1, as: Int32.self)
            print("postgres: connected to PostgreSQL \(version); SELECT $1 + $2 with (40, 2) returned \(sum)")
            return sum == 42 ? 0 : 1
        } catch {
            print("postgres: \(error)")
            return 1
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
