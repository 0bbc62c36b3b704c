import ArgumentParser

@main
struct Loom: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Run machine-learning workflows on a cluster.",
        discussion: """
            Built so far: `loom run` (a workflow on this machine), `loom doctor` (checks LZ4 and \
            PostgreSQL) and `loom migrate` (applies the schema). The coordinator, workers and the \
            API arrive with their issues.
            """,
        version: version,
        subcommands: [
            CoordinatorCommand.self, WorkerCommand.self, Run.self, Submit.self, Watch.self, Jobs.self, Datasets.self,
            Workflows.self, Admin.self, Doctor.self, Migrate.self,
        ]
    )
}
