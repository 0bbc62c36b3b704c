import Foundation

/// A private PostgreSQL cluster under a folder of Loom's own, for a coordinator started
/// without a database URL.
///
/// It uses the machine's PostgreSQL server binaries. The server listens on a Unix socket
/// inside the cluster's folder only (no TCP port), readable by its owner alone, so the
/// `trust` authentication that `initdb` sets up admits nobody but us. When Loom runs as
/// root, `initdb` refuses to, so the cluster belongs to the `postgres` user and every
/// server command runs as that user; root still reaches the socket.
///
/// `start()` initialises the folder on first use and reuses a server that is already
/// running there (one left behind by a coordinator that was killed); `stop()` is
/// PostgreSQL's fast shutdown, which checkpoints.
public struct EmbeddedPostgres: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case noServerBinaries(searched: String)
        case noPostgresUser
        case unreachableFolder(String)
        case commandFailed(command: String, status: Int32, output: String)

        public var description: String {
            switch self {
            case .noServerBinaries(let searched):
                "no PostgreSQL server binaries (looked for initdb and pg_ctl in \(searched)); install postgresql or pass --database-url"
            case .noPostgresUser:
                "running as root needs a 'postgres' user to own the embedded database (install postgresql, or run scripts/setup)"
            case .unreachableFolder(let path):
                "the 'postgres' user cannot reach \(path): every parent folder must be traversable by it (choose another --data-dir)"
            case .commandFailed(let command, let status, let output):
                "\(command) exited with status \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
        }
    }

    /// The cluster's folder: `data/` (PostgreSQL's files), the socket, `server.log`, and
    /// `command.log` (the output of the last server command).
    public let folder: URL
    /// The folder holding `initdb`, `pg_ctl` and `postgres`.
    public let binaries: URL
    /// Names the socket file (`.s.PGSQL.PORT`); no TCP port is opened.
    public let port: Int

    public init(folder: URL, binaries: URL? = nil, port: Int = 5432) throws {
        self.folder = folder.standardizedFileURL
        self.port = port
        if let binaries {
            self.binaries = binaries
        } else {
            self.binaries = try Self.findBinaries()
        }
    }

    /// A libpq URL for the cluster's socket.
    public var url: String {
        var components = URLComponents()
        components.scheme = "postgresql"
        components.user = "postgres"
        components.path = "/postgres"
        components.queryItems = [URLQueryItem(name: "host", value: folder.path), URLQueryItem(name: "port", value: String(port))]
        return components.string!
    }

    var dataFolder: URL { folder.appendingPathComponent("data") }
    var logFile: URL { folder.appendingPathComponent("server.log") }
    var pidFile: URL { dataFolder.appendingPathComponent("postmaster.pid") }

    /// Whether a server is running in the folder (`pg_ctl status`).
    public func isRunning() -> Bool {
        guard FileManager.default.fileExists(atPath: pidFile.path) else { return false }
        return (try? run("pg_ctl", ["-D", dataFolder.path, "status"])) != nil
    }

    /// Initialises the cluster if the folder has none, then starts its server unless one
    /// is running already. Returns once the server accepts connections.
    public func start() throws {
        try prepareFolder()
        if !FileManager.default.fileExists(atPath: dataFolder.appendingPathComponent("PG_VERSION").path) {
            try run("initdb", ["-D", dataFolder.path, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
        }
        if isRunning() { return }
        let options = [
            "-p \(port)", "-k \(folder.path)", "-c listen_addresses=''", "-c unix_socket_permissions=0700",
            "-c max_connections=200",
        ].joined(separator: " ")
        try run("pg_ctl", ["-D", dataFolder.path, "-l", logFile.path, "-w", "-t", "60", "start", "-o", options])
    }

    /// Stops the server (fast shutdown: sessions end, then a checkpoint) and waits for it.
    public func stop() throws {
        guard isRunning() else { return }
        try run("pg_ctl", ["-D", dataFolder.path, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    // MARK: - Processes

    private static var runningAsRoot: Bool { geteuid() == 0 }

    /// Creates the folder and, as root, hands it to the `postgres` user.
    private func prepareFolder() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard Self.runningAsRoot else {
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
            return
        }
        guard let account = getpwnam("postgres") else { throw Failure.noPostgresUser }
        guard chown(folder.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw Failure.commandFailed(command: "chown \(folder.path)", status: errno, output: String(cString: strerror(errno)))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
        if (try? run("/usr/bin/test", ["-w", folder.path])) == nil { throw Failure.unreachableFolder(folder.path) }
    }

    /// Runs a server command (by name, from `binaries`, or by absolute path), as the
    /// `postgres` user when we are root, and returns its output; throws when it fails.
    ///
    /// It spawns and reaps the child itself (posix_spawn, waitpid) rather than through
    /// Foundation's `Process`, which here never noticed `pg_ctl start` exiting. Output goes
    /// to a file, not a pipe: the server that `pg_ctl start` leaves running would inherit
    /// a pipe and keep it open for ever.
    @discardableResult
    private func run(_ command: String, _ arguments: [String]) throws -> String {
        let executable = command.hasPrefix("/") ? command : binaries.appendingPathComponent(command).path
        let argv = Self.runningAsRoot
            ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", executable] + arguments
            : [executable] + arguments
        let outputFile = folder.appendingPathComponent("command.log")
        let output = open(outputFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw Failure.commandFailed(command: "open \(outputFile.path)", status: errno, output: String(cString: strerror(errno)))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            close(output)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        var pid = pid_t()
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw Failure.commandFailed(command: argv[0], status: spawned, output: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exitCode == 0 else {
            throw Failure.commandFailed(command: (command as NSString).lastPathComponent, status: exitCode, output: text)
        }
        return text
    }

    /// The newest `/usr/lib/postgresql/N/bin` that has the server, or `$PG_BIN`.
    static func findBinaries() throws -> URL {
        if let configured = ProcessInfo.processInfo.environment["PG_BIN"] {
            return URL(fileURLWithPath: configured)
        }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let usable = versions.compactMap(Int.init).sorted(by: >).map { URL(fileURLWithPath: "\(root)/\($0)/bin") }
            .filter { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) }
        guard let newest = usable.first else { throw Failure.noServerBinaries(searched: "\(root)/*/bin") }
        return newest
    }
}
