import ArgumentParser
import Foundation

@main
struct Loom: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Run machine-learning workflows on a cluster.",
        discussion: """
            `loom coordinator` and `loom worker` run a cluster; `loom run` runs a workflow on this \
            machine; submit, watch, jobs, datasets, workflows and admin talk to a coordinator's API.

            Every option can also come from the environment: --http-port is LOOM_HTTP_PORT, a flag \
            such as --migrate is LOOM_MIGRATE=1. The command line wins over the environment.
            """,
        version: version,
        subcommands: [
            CoordinatorCommand.self, WorkerCommand.self, Run.self, Submit.self, Watch.self, Jobs.self, Datasets.self,
            Workflows.self, Admin.self, Doctor.self, Migrate.self,
        ]
    )

    /// Parses the command line with the environment's `LOOM_*` options added (see
    /// `EnvironmentDefaults`), then runs the command.
    static func main() async {
        let arguments = EnvironmentDefaults.arguments(
            Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment, root: Loom.self)
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
