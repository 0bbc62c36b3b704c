import Foundation
import LoomML
import LoomWorkflow
import Synchronization

/// Shows a run's node events as they happen: a line per status change, and on a terminal
/// a progress line for the node that is fitting, redrawn in place.
final class ProgressView: Sendable {
    private let terminal: Terminal
    private let width: Int
    private let progressShown = Mutex(false)

    init(terminal: Terminal, plan: WorkflowPlan) {
        self.terminal = terminal
        width = plan.order.map(\.count).max() ?? 10
    }

    func show(_ event: WorkflowEvent) {
        guard terminal.enabled else { return }
        progressShown.withLock { shown in
            switch event {
            case .nodeStatus(let node, let state, let duration, let message):
                clear(&shown)
                let name = node.padding(toLength: width, withPad: " ", startingAt: 0)
                let time = duration.map { String(format: "%8.2f s", $0.seconds) } ?? ""
                let line: String
                switch state {
                case .running: line = terminal.paint("  ▸ \(name)  running", .blue)
                case .completed: line = terminal.paint("  ✓ ", .green) + "\(name)  completed\(time)"
                case .failed: line = terminal.paint("  ✗ \(name)  failed: \(message ?? "")", .red)
                case .skipped: line = terminal.paint("  – \(name)  skipped (\(message ?? ""))", .yellow)
                case .pending: return
                }
                print(line)
            case .nodeProgress(let node, let fraction, _):
                guard terminal.isInteractive else { return }
                let name = node.padding(toLength: width, withPad: " ", startingAt: 0)
                // FileHandle writes at once; print would wait for a newline to flush.
                FileHandle.standardOutput.write(Data("\r  … \(name)  \(Terminal.bar(fraction)) \(String(format: "%3.0f%%", fraction * 100))".utf8))
                shown = true
            case .metrics(let node, let report):
                clear(&shown)
                let values = report.metrics.keys.sorted().map { "\($0) \(String(format: "%.4f", report.metrics[$0]!))" }
                print(terminal.paint("      \(node): " + values.joined(separator: " · "), .dim))
            case .plot, .predictions:
                break
            }
        }
    }

    func finish() {
        progressShown.withLock { clear(&$0) }
    }

    private func clear(_ shown: inout Bool) {
        guard shown else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
        shown = false
    }
}
