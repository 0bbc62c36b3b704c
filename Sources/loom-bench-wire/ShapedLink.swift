import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A network link between two machines, made on this one: a veth pair from this
/// process's network namespace into a new one, each end shaped to `gigabits` per second
/// with a token bucket (tc tbf). Across machines the link, not loopback's memory copies,
/// bounds a transfer: this measures what TLS costs there. Needs root, `ip` and `tc`.
///
/// The server's listening socket is made by a thread that enters the namespace (a socket
/// belongs to the namespace it was made in); the client stays in this one and connects
/// through the veth pair.
final class ShapedLink {
    let gigabits: Double
    /// The server's end, in the namespace (a subnet of this process's own).
    let serverHost = "10.77.\(getpid() % 250).2"
    private let clientHost = "10.77.\(getpid() % 250).1"
    private let namespace = "loom-bench-wire-\(getpid())"
    private let device = "lbw\(getpid() % 100_000)"

    init(gigabits: Double) throws {
        self.gigabits = gigabits
        let peer = device + "p"
        let rate = "\(Int(gigabits * 1_000))mbit"
        do {
            try Self.run("ip", "netns", "add", namespace)
            try Self.run("ip", "link", "add", device, "type", "veth", "peer", "name", peer)
            try Self.run("ip", "link", "set", peer, "netns", namespace)
            try Self.run("ip", "addr", "add", clientHost + "/24", "dev", device)
            try Self.run("ip", "link", "set", device, "up")
            try Self.run("ip", "netns", "exec", namespace, "ip", "addr", "add", serverHost + "/24", "dev", peer)
            try Self.run("ip", "netns", "exec", namespace, "ip", "link", "set", peer, "up")
            // A bucket of 4 MB lets a burst through at full speed without queueing for long.
            try Self.run("tc", "qdisc", "add", "dev", device, "root", "tbf", "rate", rate, "burst", "4mb", "latency", "20ms")
            try Self.run("ip", "netns", "exec", namespace, "tc", "qdisc", "add", "dev", peer, "root", "tbf", "rate", rate, "burst", "4mb", "latency", "20ms")
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Deletes the veth pair and the namespace (also done when the link is released;
    /// top-level values of a program are not, so call this before exiting).
    func remove() {
        try? Self.run("ip", "link", "del", device)  // takes its peer along
        try? Self.run("ip", "netns", "del", namespace)
    }

    /// A TCP socket bound to the server's address in the namespace, listening.
    func listeningSocket() throws -> Int32 {
        let namespacePath = "/var/run/netns/" + namespace
        let host = serverHost
        let result = Mutex<Result<Int32, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            result.withLock { $0 = Result { try Self.listen(inNamespace: namespacePath, host: host) } }
        }
        thread.start()
        done.wait()
        return try result.withLock { $0! }.get()
    }

    /// Runs on a thread of its own, which stays in the namespace and then ends.
    private static func listen(inNamespace path: String, host: String) throws -> Int32 {
        let namespace = open(path, O_RDONLY | O_CLOEXEC)
        guard namespace >= 0 else { throw LinkError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(namespace) }
        // setns(2) needs _GNU_SOURCE, which Swift's Glibc module leaves out: look it up.
        typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { throw LinkError("no setns in libc") }
        let cloneNewNet: Int32 = 0x4000_0000
        guard unsafeBitCast(symbol, to: SetNamespace.self)(namespace, cloneNewNet) == 0 else {
            throw LinkError("setns: \(String(cString: strerror(errno)))")
        }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw LinkError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, host, &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(socket, 16) == 0 else {
            close(socket)
            throw LinkError("bind/listen on \(host): \(String(cString: strerror(errno)))")
        }
        return socket
    }

    private static func run(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LinkError("`\(arguments.joined(separator: " "))` failed (root, ip and tc are needed)") }
    }

    struct LinkError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
