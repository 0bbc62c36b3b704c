import ArgumentParser

@main
struct Loom: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Run machine-learning workflows on a cluster.",
        discussion: """
            Built so far: `loom doctor` (checks LZ4 and PostgreSQL) and `loom migrate` (applies the \
            schema). The coordinator, workers and the API arrive with their issues.
            """,
        version: version,
        subcommands: [Doctor.self, Migrate.self, CoordinatorCommand.self, WorkerCommand.self]
    )
}
