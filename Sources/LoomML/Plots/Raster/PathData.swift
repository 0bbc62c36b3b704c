/// The SVG path data and dash arrays that the plots write, read back for the rasterizer.
enum PathData {
    /// The subpaths of `d` as absolute points. Understands M, L, H, V, Z and their relative
    /// forms, which is all the plots write; anything else ends the path there.
    static func subpaths(_ d: String) -> [[PlotPoint]] {
        var tokens = Tokens(d)
        var result: [[PlotPoint]] = []
        var current: [PlotPoint] = []
        var pen = PlotPoint(x: 0, y: 0)
        var command: Character = "M"
        while let next = tokens.next() {
            if case .command(let c) = next {
                command = c
                if c == "Z" || c == "z" {
                    if let first = current.first {
                        current.append(first)
                        pen = first
                    }
                    continue
                }
                continue
            }
            guard case .number(let value) = next else { break }
            let relative = command.isLowercase
            switch command.uppercased() {
            case "M", "L":
                guard case .number(let y)? = tokens.next() else { return finish(result, current) }
                let point = relative ? PlotPoint(x: pen.x + value, y: pen.y + y) : PlotPoint(x: value, y: y)
                if command == "M" || command == "m" {
                    if current.count > 0 { result.append(current) }
                    current = [point]
                    // Coordinates after a moveto are linetos, as SVG says.
                    command = relative ? "l" : "L"
                } else {
                    current.append(point)
                }
                pen = point
            case "H":
                pen = PlotPoint(x: relative ? pen.x + value : value, y: pen.y)
                current.append(pen)
            case "V":
                pen = PlotPoint(x: pen.x, y: relative ? pen.y + value : value)
                current.append(pen)
            default:
                return finish(result, current)
            }
        }
        return finish(result, current)
    }

    private static func finish(_ result: [[PlotPoint]], _ current: [PlotPoint]) -> [[PlotPoint]] {
        current.isEmpty ? result : result + [current]
    }

    /// "6 3" or "6,3" as [6, 3]; an odd count repeats, as SVG says; empty when unusable.
    static func dashPattern(_ text: String) -> [Double] {
        let values = text.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
        guard !values.isEmpty, values.allSatisfy({ $0 >= 0 }), values.contains(where: { $0 > 0 }) else { return [] }
        return values.count % 2 == 1 ? values + values : values
    }

    /// The drawn pieces of the polyline `points` under a dash `pattern` (on, off, on, …),
    /// which runs on across corners; the whole polyline's segments when `pattern` is empty.
    /// A one-point polyline is one zero-length piece (a dot with round caps).
    static func dashed(_ points: [PlotPoint], pattern: [Double]) -> [(PlotPoint, PlotPoint)] {
        guard points.count > 1 else { return points.map { ($0, $0) } }
        let segments = zip(points, points.dropFirst()).map { ($0, $1) }
        guard !pattern.isEmpty else { return segments }
        var pieces: [(PlotPoint, PlotPoint)] = []
        var index = 0
        var left = pattern[0]
        for (a, b) in segments {
            let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            var at = 0.0
            while at < length {
                let step = min(left, length - at)
                if index % 2 == 0, step > 0 {
                    let t0 = at / length, t1 = (at + step) / length
                    pieces.append((
                        PlotPoint(x: a.x + (b.x - a.x) * t0, y: a.y + (b.y - a.y) * t0),
                        PlotPoint(x: a.x + (b.x - a.x) * t1, y: a.y + (b.y - a.y) * t1)))
                }
                at += step
                left -= step
                if left <= 0 {
                    index = (index + 1) % pattern.count
                    left = pattern[index]
                }
            }
        }
        return pieces
    }

    private enum Token {
        case command(Character)
        case number(Double)
    }

    /// Splits path data into command letters and numbers ("M12-3.5L4 5" → M, 12, -3.5, L, 4, 5).
    private struct Tokens {
        private let scalars: [Character]
        private var position = 0

        init(_ d: String) { scalars = Array(d) }

        mutating func next() -> Token? {
            while position < scalars.count, scalars[position] == " " || scalars[position] == "," { position += 1 }
            guard position < scalars.count else { return nil }
            let c = scalars[position]
            if c.isLetter, c != "e", c != "E" {
                position += 1
                return .command(c)
            }
            let start = position
            position += 1
            while position < scalars.count {
                let p = scalars[position]
                let afterExponent = scalars[position - 1] == "e" || scalars[position - 1] == "E"
                if p.isNumber || p == "." || p == "e" || p == "E" || ((p == "-" || p == "+") && afterExponent) {
                    position += 1
                } else {
                    break
                }
            }
            guard let value = Double(String(scalars[start..<position])) else { return nil }
            return .number(value)
        }
    }
}
