import Foundation

/// Principal components of rows of features, found by orthogonal (subspace) iteration on
/// the covariance matrix with a Rayleigh–Ritz step, which converges even when the two
/// leading eigenvalues are close. Deterministic: no random start, and each component's
/// sign is chosen so its largest-magnitude coordinate is positive (scikit-learn's
/// `svd_flip` convention on the components).
public struct PCAProjection: Sendable, Equatable {
    /// The projected rows, row-major, `componentCount` per row.
    public let points: [Double]
    /// Unit-length components, each `columnCount` long, by decreasing variance.
    public let components: [[Double]]
    /// The share of the total variance along each component.
    public let explainedVarianceRatio: [Double]
    /// The column means that were subtracted.
    public let mean: [Double]

    public var componentCount: Int { components.count }
}

public enum PCA {
    /// Fits two components on `rows` (all rows when nil) and projects those rows. A plot
    /// passes its seeded sample, which keeps the cost at 5,000 × columns² whatever the
    /// row count.
    public static func project(
        features: [Double], columnCount d: Int, rows: [Int]? = nil
    ) throws(PlotError) -> PCAProjection {
        guard d > 0 else { throw PlotError(.invalidArgument, "column count must be positive") }
        guard !features.isEmpty else { throw PlotError(.emptyInput, "no rows") }
        guard features.count % d == 0 else {
            throw PlotError(.lengthMismatch, "\(features.count) values do not make rows of \(d) columns")
        }
        if let bad = features.first(where: { !$0.isFinite }) {
            throw PlotError(.nonFiniteValue, "a feature value is \(bad)")
        }
        let n = features.count / d
        if let rows, let bad = rows.first(where: { $0 < 0 || $0 >= n }) {
            throw PlotError(.invalidArgument, "row \(bad) is outside the \(n) rows")
        }
        let chosen = rows ?? Array(0..<n)
        guard !chosen.isEmpty else { throw PlotError(.emptyInput, "no rows to project") }
        let m = chosen.count
        var mean = [Double](repeating: 0, count: d)
        for r in chosen { for j in 0..<d { mean[j] += features[r * d + j] } }
        for j in 0..<d { mean[j] /= Double(m) }
        var cov = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for r in chosen {
            for j in 0..<d { centred[j] = features[r * d + j] - mean[j] }
            for a in 0..<d {
                let ca = centred[a]
                if ca == 0 { continue }
                for b in a..<d { cov[a * d + b] += ca * centred[b] }
            }
        }
        let denominator = Double(max(m - 1, 1))
        for a in 0..<d {
            for b in a..<d {
                cov[a * d + b] /= denominator
                cov[b * d + a] = cov[a * d + b]
            }
        }
        let totalVariance = (0..<d).reduce(0.0) { $0 + cov[$1 * d + $1] }
        let (vectors, values) = leadingEigenpairs(cov, d, count: min(2, d))
        var components = vectors
        var ratios = values.map { totalVariance > 0 ? max(0, $0) / totalVariance : 0 }
        // One column gives one component; the second axis is then all zeros.
        while components.count < 2 {
            components.append([Double](repeating: 0, count: d))
            ratios.append(0)
        }
        var points = [Double]()
        points.reserveCapacity(chosen.count * 2)
        for r in chosen {
            for component in components {
                var s = 0.0
                for j in 0..<d { s += (features[r * d + j] - mean[j]) * component[j] }
                points.append(s)
            }
        }
        return PCAProjection(points: points, components: components, explainedVarianceRatio: ratios, mean: mean)
    }

    /// The `count` (1 or 2) leading eigenvectors and eigenvalues of the symmetric d × d
    /// matrix `m`.
    static func leadingEigenpairs(_ m: [Double], _ d: Int, count k: Int) -> ([[Double]], [Double]) {
        func multiply(_ v: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: d)
            for a in 0..<d {
                var s = 0.0
                for b in 0..<d { s += m[a * d + b] * v[b] }
                out[a] = s
            }
            return out
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        func unitVector(_ j: Int) -> [Double] {
            var e = [Double](repeating: 0, count: d)
            e[j] = 1
            return e
        }
        // Start from the coordinate axes of largest variance, pushed once through m.
        let byVariance = (0..<d).sorted { m[$0 * d + $0] != m[$1 * d + $1] ? m[$0 * d + $0] > m[$1 * d + $1] : $0 < $1 }
        var basis = (0..<k).map { multiply(unitVector(byVariance[$0])) }
        basis = orthonormalised(basis, d: d, fallback: byVariance.map(unitVector))
        var previous: [[Double]] = []
        var values = [Double](repeating: 0, count: k)
        for _ in 0..<1_000 {
            basis = orthonormalised(basis.map(multiply), d: d, fallback: byVariance.map(unitVector))
            // Rayleigh–Ritz: rotate within the subspace to the eigenvectors of QᵀMQ.
            let images = basis.map(multiply)
            var vectors = basis
            if k == 2 {
                let h00 = dot(basis[0], images[0]), h01 = dot(basis[0], images[1]), h11 = dot(basis[1], images[1])
                let (angle, l0, l1) = symmetric2x2(h00, h01, h11)
                let c = cos(angle), s = sin(angle)
                vectors = [
                    zip(basis[0], basis[1]).map { c * $0 + s * $1 },
                    zip(basis[0], basis[1]).map { -s * $0 + c * $1 },
                ]
                values = [l0, l1]
            } else {
                values = [dot(basis[0], images[0])]
            }
            vectors = vectors.map(signed)
            if !previous.isEmpty {
                let change = zip(vectors, previous).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
                if change < 1e-12 {
                    previous = vectors
                    break
                }
            }
            previous = vectors
            basis = vectors
        }
        return (previous, values)
    }

    /// Eigen-decomposition of [[a, b], [b, c]]: the rotation angle and the eigenvalues,
    /// larger first.
    static func symmetric2x2(_ a: Double, _ b: Double, _ c: Double) -> (Double, Double, Double) {
        let angle = 0.5 * atan2(2 * b, a - c)
        let co = cos(angle), si = sin(angle)
        let l0 = a * co * co + 2 * b * co * si + c * si * si
        let l1 = a * si * si - 2 * b * co * si + c * co * co
        return l0 >= l1 ? (angle, l0, l1) : (angle + Double.pi / 2, l1, l0)
    }

    /// Gram–Schmidt; a vector that collapses is replaced by the next fallback axis that
    /// is independent of the others.
    static func orthonormalised(_ vectors: [[Double]], d: Int, fallback: [[Double]]) -> [[Double]] {
        var out: [[Double]] = []
        var candidates = fallback.makeIterator()
        for v in vectors {
            var w = v
            var attempts = 0
            while true {
                for u in out {
                    let p = zip(w, u).reduce(0) { $0 + $1.0 * $1.1 }
                    for j in 0..<d { w[j] -= p * u[j] }
                }
                let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 1e-12 {
                    out.append(w.map { $0 / norm })
                    break
                }
                attempts += 1
                guard attempts <= d + 1, let next = candidates.next() else {
                    out.append([Double](repeating: 0, count: d))
                    break
                }
                w = next
            }
        }
        return out
    }

    /// The vector with its largest-magnitude coordinate made positive.
    static func signed(_ v: [Double]) -> [Double] {
        var best = 0
        for j in v.indices where abs(v[j]) > abs(v[best]) + 1e-12 { best = j }
        return v.isEmpty || v[best] >= 0 ? v : v.map { -$0 }
    }
}
