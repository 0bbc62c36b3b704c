import ArgumentParser
import Foundation
import Logging

/// `--log-level` and `--log-format`, shared by the long-running commands.
struct LogOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// One readable line per event: time, level, label, message, `key=value` metadata.
        case text
        /// One JSON object per line, for log collectors.
        case json
    }

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var level = "info"
    @Option(name: .customLong("log-format"), help: "text (readable) or json (one object per line).")
    var format = Format.text

    /// Installs the process's log handler (once per process) and returns a logger.
    func bootstrap(label: String) throws -> Logger {
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \(level)")
        }
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = parsedLevel
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = parsedLevel
                return handler
            }
        }
        return Logger(label: label)
    }
}

/// Writes each log event to standard error as one JSON object on one line:
/// `{"time":…,"level":…,"label":…,"message":…,"source":…,<metadata>}`. Metadata keys come
/// out as top-level fields (a job's id is `job_id`), nested metadata as JSON values.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        var object: [String: Any] = fields.mapValues(Self.json)
        object["time"] = Self.timestamp()
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = event.message.description
        object["source"] = event.source
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(UInt8(ascii: "\n"))
        JSONLogHandler.output.write(line)
    }

    /// Standard error, written under a lock so lines from several threads never interleave.
    private static let output = LockedStandardError()

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let dictionary): dictionary.mapValues(json)
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1000)
    }
}

private final class LockedStandardError: @unchecked Sendable {
    private let lock = NSLock()

    func write(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }
}
