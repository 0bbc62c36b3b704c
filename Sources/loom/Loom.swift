import ArgumentParser

@main
struct Loom: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Run machine-learning workflows on a cluster.",
        discussion: """
            `loom coordinator` and `loom worker` run a cluster; `loom run` runs a workflow on this \
            machine; submit, watch, jobs, datasets, workflows and admin talk to a coordinator's API.
            """,
        version: version,
        subcommands: [
            CoordinatorCommand.self, WorkerCommand.self, Run.self, Submit.self, Watch.self, Jobs.self, Datasets.self,
            Workflows.self, Admin.self, Doctor.self, Migrate.self,
        ]
    )
}
