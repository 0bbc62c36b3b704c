import ArgumentParser
import Foundation

/// Where the API is and who is calling, for every command that talks to a coordinator.
///
/// Each setting comes from, in order: the flag, the environment (`LOOM_SERVER`,
/// `LOOM_TOKEN`), the config file (`--config`, else `$LOOM_CONFIG`, else
/// `~/.config/loom/config.json`, a JSON object with `server` and `token`), the default.
struct ClientOptions: ParsableArguments {
    @Option(help: "The coordinator's API, e.g. http://10.0.0.5:8080 (default: $LOOM_SERVER, the config file, http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "Your API token (default: $LOOM_TOKEN, then the config file).")
    var token: String?

    @Option(help: "A config file (default: $LOOM_CONFIG, then ~/.config/loom/config.json).")
    var config: String?

    @Flag(help: "Print the API's JSON instead of tables.")
    var json = false

    struct FileSettings: Decodable {
        var server: String?
        var token: String?
    }

    func client() throws -> APIClient {
        let environment = ProcessInfo.processInfo.environment
        let file = try fileSettings(environment)
        let server = server ?? environment["LOOM_SERVER"] ?? file?.server ?? "http://127.0.0.1:8080"
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("'\(server)' is not an http:// or https:// address")
        }
        return APIClient(server: url, token: token ?? environment["LOOM_TOKEN"] ?? file?.token)
    }

    private func fileSettings(_ environment: [String: String]) throws -> FileSettings? {
        let explicit = config ?? environment["LOOM_CONFIG"]
        let path = explicit ?? (environment["HOME"].map { "\($0)/.config/loom/config.json" } ?? "")
        guard let data = FileManager.default.contents(atPath: path) else {
            if let explicit { throw ValidationError("cannot read the config file \(explicit)") }
            return nil
        }
        do {
            return try JSONDecoder().decode(FileSettings.self, from: data)
        } catch {
            throw ValidationError("the config file \(path) is not a JSON object with 'server' and 'token': \(error)")
        }
    }
}
