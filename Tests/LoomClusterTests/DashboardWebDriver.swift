import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Debian's Chromium driven headless through chromedriver (the W3C WebDriver protocol over
/// HTTP). `scripts/setup` installs both; tests that need them are skipped, saying so, where
/// they are missing.
enum DashboardBrowser {
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let chromium = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { chromedriver != nil && chromium != nil }
    static let missing = "Chromium and chromedriver are not installed (scripts/setup installs the Debian packages chromium and chromium-driver)"

    /// With LOOM_DASHBOARD_TRACE set, each step is written to standard error as it starts.
    static func trace(_ text: String) {
        guard ProcessInfo.processInfo.environment["LOOM_DASHBOARD_TRACE"] != nil else { return }
        FileHandle.standardError.write(Data("dashboard: \(text)\n".utf8))
    }

    /// Screenshots go here (the folder is printed so that a person can look at them).
    static let screenshots: URL = {
        let url = URL(fileURLWithPath: ProcessInfo.processInfo.environment["LOOM_SCREENSHOTS"] ?? "/tmp/loom-dashboard-screenshots")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}

struct WebDriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A chromedriver process on a free loopback port, started like the cluster's processes
/// (posix_spawn, its output in the cluster's log folder).
final class ChromeDriverProcess: @unchecked Sendable {
    let child: Child
    let base: String
    private let profile: URL

    init(logDirectory: String) throws {
        guard let path = DashboardBrowser.chromedriver else { throw WebDriverError(DashboardBrowser.missing) }
        let port = Cluster.freePort()
        base = "http://127.0.0.1:\(port)"
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("loom-chrome-\(UUID().uuidString)")
        var environment = ["PATH": "/usr/bin:/bin"]
        environment["HOME"] = ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"
        child = try Child(
            [path, "--port=\(port)", "--allowed-ips=127.0.0.1"], environment: environment, name: "chromedriver",
            logDirectory: logDirectory)
    }

    /// Waits until the driver answers /status.
    func ready() async throws {
        var last = "no answer"
        for _ in 0..<100 {
            do {
                let value = try await WebSession.request(base, "GET", "/status")
                if let object = value as? [String: Any], object["ready"] as? Bool == true { return }
                last = "\(String(describing: value))"
            } catch {
                last = "\(error)"
            }
            if let status = child.poll() { throw WebDriverError("chromedriver exited with status \(status): \(child.log.suffix(2_000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError("chromedriver did not start: \(last)")
    }

    /// A new headless browser window of a laptop's size.
    func session(width: Int = 1366, height: Int = 768) async throws -> WebSession {
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:loggingPrefs": ["browser": "ALL"],
                    "goog:chromeOptions": [
                        "binary": DashboardBrowser.chromium!,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=\(width),\(height)", "--user-data-dir=\(profile.path)", "--no-first-run",
                            "--disable-extensions", "--lang=en-GB",
                        ],
                    ],
                ] as [String: Any]
            ]
        ]
        let value = try await WebSession.request(base, "POST", "/session", capabilities)
        guard let object = value as? [String: Any], let id = object["sessionId"] as? String else {
            throw WebDriverError("chromedriver gave no session: \(String(describing: value))")
        }
        return WebSession(base: base, id: id)
    }

    /// Asks the driver to shut down (it closes its browsers); kills it if it does not.
    func stop() async {
        if child.poll() == nil {
            _ = try? await WebSession.request(base, "GET", "/shutdown")
            if await child.wait(timeout: .seconds(5)) == nil {
                child.signal(SIGKILL)
                _ = await child.wait(timeout: .seconds(5))
            }
        }
        try? FileManager.default.removeItem(at: profile)
    }
}

/// One browser session: navigation, elements, scripts, input actions, screenshots and the
/// console's log.
struct WebSession: Sendable {
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"
    let base: String
    let id: String

    struct Element: Sendable {
        let id: String
        var reference: [String: String] { [WebSession.elementKey: id] }
    }

    static func request(_ base: String, _ method: String, _ path: String, _ body: Any? = nil) async throws -> Any? {
        let port = Int(base.split(separator: ":").last ?? "") ?? 0
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let (status, data) = try await DriverHTTP.exchange(port: port, method: method, path: path, body: payload)
        let json = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any]
        let value = json?["value"] ?? nil
        if status >= 400 {
            let detail = (value as? [String: Any]).map { "\($0["error"] ?? ""): \($0["message"] ?? "")" } ?? String(decoding: data, as: UTF8.self)
            throw WebDriverError("\(method) \(path): \(detail.prefix(600))")
        }
        return value
    }

    @discardableResult
    func command(_ method: String, _ path: String, _ body: Any? = nil) async throws -> Any? {
        try await Self.request(base, method, "/session/\(id)\(path)", body)
    }

    func navigate(_ url: String) async throws {
        try await command("POST", "/url", ["url": url])
    }

    func find(_ css: String) async throws -> Element {
        let value = try await command("POST", "/element", ["using": "css selector", "value": css])
        guard let object = value as? [String: Any], let id = object[Self.elementKey] as? String else {
            throw WebDriverError("no element matches \(css): \(String(describing: value))")
        }
        return Element(id: id)
    }

    func click(_ css: String) async throws {
        let element = try await find(css)
        try await command("POST", "/element/\(element.id)/click", [:] as [String: Any])
    }

    func type(_ css: String, _ text: String, clear: Bool = true) async throws {
        let element = try await find(css)
        if clear { try await command("POST", "/element/\(element.id)/clear", [:] as [String: Any]) }
        try await command("POST", "/element/\(element.id)/value", ["text": text])
    }

    /// Chooses an option of a <select> by its value, as a user would: by clicking it.
    func choose(_ selectCSS: String, value: String) async throws {
        try await click("\(selectCSS) option[value=\"\(value)\"]")
    }

    @discardableResult
    func script(_ source: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "/execute/sync", ["script": source, "args": arguments])
    }

    /// Presses the mouse on one element and lets go over another, moving in between.
    func drag(from source: String, to target: String) async throws {
        let from = try await find(source)
        let to = try await find(target)
        let actions: [String: Any] = [
            "actions": [
                [
                    "type": "pointer", "id": "mouse", "parameters": ["pointerType": "mouse"],
                    "actions": [
                        ["type": "pointerMove", "duration": 0, "origin": from.reference, "x": 0, "y": 0],
                        ["type": "pointerDown", "button": 0],
                        ["type": "pointerMove", "duration": 150, "origin": to.reference, "x": 0, "y": 0],
                        ["type": "pointerMove", "duration": 50, "origin": to.reference, "x": 2, "y": 2],
                        ["type": "pointerUp", "button": 0],
                    ] as [[String: Any]],
                ] as [String: Any]
            ]
        ]
        try await command("POST", "/actions", actions)
        try await command("DELETE", "/actions")
    }

    /// Presses the mouse on an element and lets go `dx`, `dy` pixels away from where it was pressed.
    func drag(_ css: String, by dx: Int, _ dy: Int) async throws {
        let element = try await find(css)
        try await command("POST", "/actions", [
            "actions": [
                [
                    "type": "pointer", "id": "mouse", "parameters": ["pointerType": "mouse"],
                    "actions": [
                        ["type": "pointerMove", "duration": 0, "origin": element.reference, "x": 0, "y": 0],
                        ["type": "pointerDown", "button": 0],
                        ["type": "pointerMove", "duration": 150, "origin": "pointer", "x": dx, "y": dy],
                        ["type": "pointerUp", "button": 0],
                    ] as [[String: Any]],
                ] as [String: Any]
            ]
        ])
        try await command("DELETE", "/actions")
    }

    /// Polls `condition` (a script returning true when done, with `arguments`) for up to
    /// `timeout`: a bound against hanging, not a claim about speed.
    func wait(_ what: String, _ condition: String, _ arguments: [Any] = [], timeout: Duration = .seconds(30)) async throws {
        DashboardBrowser.trace("waiting until \(what)")
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await script(condition, arguments) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(150))
        }
        try? await screenshot("failed-\(what.replacingOccurrences(of: " ", with: "-"))")
        throw WebDriverError("timed out waiting until \(what)")
    }

    func screenshot(_ name: String) async throws {
        guard let base64 = try await command("GET", "/screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw WebDriverError("no screenshot")
        }
        try data.write(to: DashboardBrowser.screenshots.appendingPathComponent("\(name).png"))
    }

    /// The console's entries since the last call: [{level, message, source, timestamp}].
    func consoleEntries() async throws -> [[String: Any]] {
        (try await command("POST", "/se/log", ["type": "browser"]) as? [[String: Any]]) ?? []
    }

    func quit() async {
        _ = try? await command("DELETE", "")
    }
}

/// HTTP/1.1 to chromedriver over a plain socket, on a thread of its own (the calls block for
/// as long as the browser takes). Foundation's client cannot be used: it refuses
/// chromedriver's headers, which have no space after the colon.
enum DriverHTTP {
    static func exchange(port: Int, method: String, path: String, body: Data?) async throws -> (Int, Data) {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try blockingExchange(port: port, method: method, path: path, body: body) })
            }
            thread.start()
        }
    }

    static func blockingExchange(port: Int, method: String, path: String, body: Data?) throws -> (Int, Data) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WebDriverError("no socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw WebDriverError("cannot connect to chromedriver on port \(port)") }
        var request = Data("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n".utf8)
        if let body {
            request.append(Data("Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.count)\r\n".utf8))
        }
        request.append(Data("\r\n".utf8))
        if let body { request.append(body) }
        try request.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var sent = 0
            while sent < buffer.count {
                let n = send(fd, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw WebDriverError("could not send to chromedriver") }
                sent += n
            }
        }
        var response = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        let separator = Data("\r\n\r\n".utf8)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 { throw WebDriverError("no answer from chromedriver for \(method) \(path)") }
            if n == 0 { break }
            response.append(contentsOf: chunk[0..<n])
            if let end = response.range(of: separator), let length = contentLength(response[..<end.lowerBound]),
                response.count - end.upperBound >= length
            {
                break
            }
        }
        guard let end = response.range(of: separator) else { throw WebDriverError("a malformed answer from chromedriver") }
        let head = String(decoding: response[..<end.lowerBound], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var payload = Data(response[end.upperBound...])
        if let length = contentLength(response[..<end.lowerBound]), payload.count > length { payload = payload.prefix(length) }
        return (status, payload)
    }

    static func contentLength(_ head: Data) -> Int? {
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        return nil
    }
}
