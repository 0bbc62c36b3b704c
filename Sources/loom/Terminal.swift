import Foundation

/// Output that reads well in a terminal: colours and redrawn lines only when standard
/// output is one (and NO_COLOR is unset), plain lines otherwise.
struct Terminal: Sendable {
    enum Colour: String, Sendable {
        case red = "31", green = "32", yellow = "33", blue = "34", dim = "2", bold = "1"
    }

    /// False: print nothing but what the caller prints itself (e.g. `--json`).
    let enabled: Bool
    let isInteractive: Bool
    let colours: Bool

    init(enabled: Bool = true) {
        self.enabled = enabled
        isInteractive = isatty(STDOUT_FILENO) == 1
        colours = isInteractive && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    func paint(_ text: String, _ colour: Colour) -> String {
        colours ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    func fail(_ message: String) {
        FileHandle.standardError.write(Data((paint("error: ", .red) + message + "\n").utf8))
    }

    /// Columns padded to their widest cell; the first row is the header.
    func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(Self.visibleWidth)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.visibleWidth(cell)) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - Self.visibleWidth(cell))
                return index < 2 ? cell + padding : padding + cell  // names left, numbers right
            }.joined(separator: "  ")
        }
        var lines = [paint(line(header), .bold)]
        lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  "))
        lines += rows.dropFirst().map(line)
        return lines.joined(separator: "\n")
    }

    /// Characters shown, not counting colour escapes.
    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for character in text {
            if inEscape {
                if character == "m" { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }

    /// A bar of `width` cells, `fraction` of them full.
    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let full = Int((min(1, max(0, fraction)) * Double(width)).rounded())
        return String(repeating: "█", count: full) + String(repeating: "░", count: width - full)
    }
}
