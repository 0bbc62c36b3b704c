// ScikitReference: scikit-learn's fit times next to ours, measured in the same run. The
// benchmark starts scripts/sklearn_reference.py once (it loads each data set once) and asks
// it for one configuration right after timing ours, so both see the same load on the
// machine. Without python3 and scikit-learn, the quoted times (quiet machine) stand
// in, labelled as such.
import Foundation

/// One scikit-learn measurement: median wall and CPU seconds of the fits, wall and CPU
/// seconds of predicting the test rows, and the test metric; `quoted` when it is the issue's
/// number rather than a measurement.
struct ScikitTiming {
    var fit: Double
    var fitCPU: Double?
    var predict: Double?
    var predictCPU: Double?
    var metric: Double?
    var quoted: Bool

    /// k-NN's fit only stores the rows: its predict times stand in for the fit's.
    var predictAsFit: ScikitTiming {
        quoted ? self : ScikitTiming(fit: predict ?? .nan, fitCPU: predictCPU, metric: metric, quoted: false)
    }
}

final class ScikitReference {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending = Data()
    let version: String

    /// Starts the script; nil (after saying why) when python3 or scikit-learn is missing.
    init?(script: String, dataFolder: String) {
        guard FileManager.default.fileExists(atPath: script) else {
            print("scikit-learn reference: \(script) is missing; using the issue's quoted times")
            return nil
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, dataFolder]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            print("scikit-learn reference: cannot start python3 (\(error)); using the issue's quoted times")
            return nil
        }
        guard let ready = Self.decode(pendingLine(from: output.fileHandleForReading, buffer: &pending)),
            let version = ready["ready"] as? String
        else {
            print("scikit-learn reference: python3 with scikit-learn did not start; using the issue's quoted times")
            process.terminate()
            return nil
        }
        self.version = version
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Times scikit-learn's fit of `algorithm` on `set` `runs` times; nil (after saying why) on failure.
    func measure(set: String, algorithm: String, hyperparameters: [String: Any], runs: Int) -> ScikitTiming? {
        let request: [String: Any] = ["set": set, "algorithm": algorithm, "hyperparameters": hyperparameters, "runs": runs]
        guard let body = try? JSONSerialization.data(withJSONObject: request) else { return nil }
        input.fileHandleForWriting.write(body + Data("\n".utf8))
        guard let answer = Self.decode(pendingLine(from: output.fileHandleForReading, buffer: &pending)) else {
            print("  scikit-learn reference: no answer")
            return nil
        }
        if let error = answer["error"] as? String {
            print("  scikit-learn reference: \(error)")
            return nil
        }
        guard let fit = answer["fit"] as? Double else { return nil }
        return ScikitTiming(
            fit: fit, fitCPU: answer["fit_cpu"] as? Double, predict: answer["predict"] as? Double,
            predictCPU: answer["predict_cpu"] as? Double, metric: answer["metric"] as? Double, quoted: false)
    }

    private static func decode(_ line: Data?) -> [String: Any]? {
        guard let line else { return nil }
        return (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
    }
}

/// The next newline-terminated line from `handle`, keeping what follows it in `buffer`;
/// nil at end of file.
private func pendingLine(from handle: FileHandle, buffer: inout Data) -> Data? {
    while true {
        if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[buffer.startIndex..<newline]
            buffer = Data(buffer[(newline + 1)...])
            return Data(line)
        }
        let chunk = handle.availableData
        if chunk.isEmpty { return nil }
        buffer.append(chunk)
    }
}
