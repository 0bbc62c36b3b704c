import Foundation

/// A linear map from data to pixels, with "nice" ticks (1, 2 or 5 × 10ⁿ).
struct LinearScale {
    var domain: (lo: Double, hi: Double)
    var range: (lo: Double, hi: Double)

    init(domain: (Double, Double), range: (Double, Double)) {
        var (lo, hi) = domain
        if !(hi > lo) {
            // A single value: give it some room.
            let pad = lo == 0 ? 0.5 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        self.domain = (lo, hi)
        self.range = range
    }

    /// The domain of `values` with `padding` (a fraction of the span) on each side.
    static func paddedDomain(_ values: [Double], padding: Double = 0.04) -> (Double, Double) {
        guard let lo = values.min(), let hi = values.max() else { return (0, 1) }
        let span = hi - lo
        return span > 0 ? (lo - span * padding, hi + span * padding) : (lo, hi)
    }

    func callAsFunction(_ v: Double) -> Double {
        range.lo + (v - domain.lo) / (domain.hi - domain.lo) * (range.hi - range.lo)
    }

    /// Tick values inside the domain, about `target` of them, and their labels.
    func ticks(target: Int = 6) -> [(value: Double, label: String)] {
        let step = Self.niceStep((domain.hi - domain.lo) / Double(max(target, 1)))
        let first = (domain.lo / step).rounded(.up)
        let last = (domain.hi / step).rounded(.down)
        guard first <= last, last - first < 1000 else { return [] }
        let values = stride(from: first, through: last, by: 1).map { $0 * step }
        let formatter = TickFormatter(step: step, values: values)
        return values.map { ($0, formatter.label($0)) }
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let exponent = floor(log10(raw))
        let base = pow(10, exponent)
        let fraction = raw / base
        // The nearest of 1, 2, 5, 10 on a log scale (as d3 does).
        let nice: Double = fraction >= 50.0.squareRoot() ? 10 : fraction >= 10.0.squareRoot() ? 5 : fraction >= 2.0.squareRoot() ? 2 : 1
        return nice * base
    }
}

/// Labels for ticks: as many decimals as the step needs; exponent form for very large or
/// very small magnitudes; thousands separated by a thin space otherwise.
struct TickFormatter {
    let decimals: Int
    let scientific: Bool

    init(step: Double, values: [Double]) {
        let largest = values.map(abs).max() ?? 0
        scientific = largest >= 1e7 || (largest > 0 && largest < 1e-3)
        decimals = max(0, Int(-floor(log10(step) + 1e-9)))
    }

    func label(_ value: Double) -> String {
        let v = value == 0 ? 0 : value  // no "−0"
        if scientific {
            if v == 0 { return "0" }
            let exponent = Int(floor(log10(abs(v))))
            let mantissa = v / pow(10, Double(exponent))
            return "\(Self.fixed(mantissa, 1).replacingOccurrences(of: ".0", with: ""))e\(exponent)"
        }
        return Self.grouped(Self.fixed(v, min(decimals, 10)))
    }

    static func fixed(_ v: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", v).replacingOccurrences(of: "-", with: "−")
    }

    /// 12500 → "12,500" (integer part only).
    static func grouped(_ s: String) -> String {
        let negative = s.hasPrefix("−")
        let body = negative ? String(s.dropFirst()) : s
        let parts = body.split(separator: ".", maxSplits: 1)
        let integer = Array(parts[0])
        guard integer.count > 3 else { return s }
        var out = ""
        for (i, c) in integer.enumerated() {
            if i > 0 && (integer.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        if parts.count > 1 { out += "." + parts[1] }
        return (negative ? "−" : "") + out
    }
}

/// Short numbers for values shown on a plot (AUC, counts).
enum ValueFormat {
    static func fixed(_ v: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", v)
    }

    static func count(_ n: Int) -> String { TickFormatter.grouped(String(n)) }

    /// 3 significant digits, no exponent for ordinary magnitudes.
    static func short(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e6 || a < 1e-3 { return String(format: "%.2e", v).replacingOccurrences(of: "-", with: "−") }
        let decimals = max(0, 2 - Int(floor(log10(a))))
        return TickFormatter.grouped(TickFormatter.fixed(v, decimals))
    }
}
