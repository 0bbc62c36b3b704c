import ArgumentParser
import Foundation

/// Every option of every command can also be set in the environment, so that a systemd
/// environment file, a container's `env:` or a shell profile configures Loom without a
/// long command line: `--http-port 8080` is `LOOM_HTTP_PORT=8080`, and a flag such as
/// `--migrate` is `LOOM_MIGRATE=1` (or true, yes, on).
///
/// Precedence: the command line, then the environment, then (for the client commands)
/// the config file, then the built-in default. The environment's values are inserted
/// right after the command's name, so the command line, parsed after them, wins, and an
/// option the command does not have is never invented.
enum EnvironmentDefaults {
    /// `arguments` (without the program's name) with the environment's options added.
    static func arguments(_ arguments: [String], environment: [String: String], root: any ParsableCommand.Type) -> [String] {
        var command = root
        var depth = 0
        while depth < arguments.count,
            let subcommand = command.configuration.subcommands.first(where: { $0._commandName == arguments[depth] })
        {
            command = subcommand
            depth += 1
        }
        let given = Set(arguments[depth...].map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0 })
        var added: [String] = []
        for option in options(of: command, root: root) where !given.contains("--\(option.name)") {
            guard let value = environment[variable(for: option.name)] else { continue }
            if option.takesValue {
                added += ["--\(option.name)", value]
            } else if ["1", "true", "yes", "on"].contains(value.lowercased()) {
                added.append("--\(option.name)")
            }
        }
        return Array(arguments[..<depth]) + added + Array(arguments[depth...])
    }

    /// `http-port` → `LOOM_HTTP_PORT`.
    static func variable(for option: String) -> String {
        "LOOM_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    struct Option: Equatable {
        var name: String
        var takesValue: Bool
    }

    /// The long options a command accepts, read from its help text (ArgumentParser has no
    /// public API that lists them); `--help` and `--version` are left out.
    static func options(of command: any ParsableCommand.Type, root: any ParsableCommand.Type) -> [Option] {
        let help = root.helpMessage(for: command, includeHidden: false, columns: 10_000)
        let pattern = #/(?m)^\s+(?:-\w, )?--([a-z0-9][a-z0-9-]*)( <[^>]+>)?/#
        var seen = Set<String>()
        return help.matches(of: pattern).compactMap { match in
            let name = String(match.output.1)
            guard !["help", "version"].contains(name), seen.insert(name).inserted else { return nil }
            return Option(name: name, takesValue: match.output.2 != nil)
        }
    }
}
