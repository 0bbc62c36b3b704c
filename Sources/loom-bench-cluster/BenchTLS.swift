import Foundation

/// `--tls`: each throughput run is made twice, plain TCP and then mutual TLS 1.3 on the
/// worker link, with throwaway certificates from scripts/certs (run from the repository,
/// as scripts/bench does). Every worker presents worker-1's certificate.
struct BenchTLS {
    let directory: String

    /// The runs of one configuration: plain only, or plain then TLS.
    static func runs(_ tls: BenchTLS?) -> [BenchTLS?] { tls.map { [nil, $0] } ?? [nil] }

    static func make(in parent: String) throws -> BenchTLS {
        let directory = parent + "/certs"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["scripts/certs", "all", directory]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { fatalError("scripts/certs failed (run the benchmark from the repository root)") }
        return BenchTLS(directory: directory)
    }

    var coordinatorFlags: [String] {
        ["--tls-cert", "\(directory)/coordinator.pem", "--tls-key", "\(directory)/coordinator-key.pem", "--tls-client-ca", "\(directory)/ca.pem"]
    }

    var workerFlags: [String] {
        ["--tls-ca", "\(directory)/ca.pem", "--tls-cert", "\(directory)/worker-1.pem", "--tls-key", "\(directory)/worker-1-key.pem"]
    }
}
