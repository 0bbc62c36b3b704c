import ArgumentParser

@main
struct Loom: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Run machine-learning workflows on a cluster.",
        discussion: """
            Built so far: the system libraries (LZ4, libpq) and `loom doctor`, which checks them.
            The coordinator, workers and the API arrive with their issues.
            """,
        version: version,
        subcommands: [Doctor.self]
    )
}
