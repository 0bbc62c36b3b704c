/// Rows of features (row-major, `columnCount` per row), the cluster of each row, and
/// optionally the model's centroids (row-major, one row per cluster index).
public struct ClusteringData: Sendable, Equatable {
    public let features: [Double]
    public let columnCount: Int
    public let assignments: [Int]
    public let centroids: [Double]?

    public init(
        features: [Double], columnCount: Int, assignments: [Int], centroids: [Double]? = nil
    ) throws(MetricError) {
        guard columnCount > 0 else { throw MetricError(.invalidArgument, "column count must be positive") }
        guard !assignments.isEmpty else { throw MetricError(.emptyInput, "no rows to evaluate") }
        guard features.count == assignments.count * columnCount else {
            throw MetricError(
                .lengthMismatch,
                "\(features.count) feature values for \(assignments.count) rows of \(columnCount) columns")
        }
        if let bad = features.first(where: { !$0.isFinite }) {
            throw MetricError(.nonFiniteValue, "a feature value is \(bad)")
        }
        if let centroids {
            guard centroids.count % columnCount == 0, !centroids.isEmpty else {
                throw MetricError(
                    .lengthMismatch,
                    "\(centroids.count) centroid values do not make rows of \(columnCount) columns")
            }
            if let bad = centroids.first(where: { !$0.isFinite }) {
                throw MetricError(.nonFiniteValue, "a centroid value is \(bad)")
            }
            let k = centroids.count / columnCount
            if let bad = assignments.first(where: { $0 < 0 || $0 >= k }) {
                throw MetricError(.indexOutOfRange, "a row is assigned to cluster \(bad), but there are \(k) centroids")
            }
        }
        self.features = features
        self.columnCount = columnCount
        self.assignments = assignments
        self.centroids = centroids
    }

    public var rowCount: Int { assignments.count }

    /// Assignments renumbered 0..<k in ascending order of the original cluster ids, and k.
    var encodedAssignments: (codes: [Int], clusterCount: Int) {
        let ids = Array(Set(assignments)).sorted()
        var code: [Int: Int] = [:]
        for (i, id) in ids.enumerated() { code[id] = i }
        return (assignments.map { code[$0]! }, ids.count)
    }
}

/// Clustering metrics with scikit-learn's definitions (1.9), Euclidean distance.
public enum ClusteringMetrics {
    /// Above this many rows the silhouette is computed on a seeded sample of this size.
    public static let silhouetteSampleLimit = 10_000

    /// Sum of squared distances of rows to their centroid: the model's centroids when
    /// given, otherwise each cluster's mean.
    public static func inertia(_ data: ClusteringData) -> Double {
        let d = data.columnCount
        let centres: [Double]
        let index: [Int]
        if let centroids = data.centroids {
            centres = centroids
            index = data.assignments
        } else {
            let (codes, k) = data.encodedAssignments
            centres = clusterMeans(data.features, columnCount: d, codes: codes, clusterCount: k).means
            index = codes
        }
        var sum = 0.0
        for r in 0..<data.rowCount {
            let c = index[r]
            for j in 0..<d {
                let diff = data.features[r * d + j] - centres[c * d + j]
                sum += diff * diff
            }
        }
        return sum
    }

    /// Mean silhouette coefficient over all rows, or over a seeded sample of
    /// `sampleLimit` rows when there are more (the sample is reported). The sample is
    /// drawn with `SplitMix64(seed:)`, so it is not scikit-learn's `sample_size` sample.
    public static func silhouette(
        _ data: ClusteringData, seed: UInt64 = 0, sampleLimit: Int = silhouetteSampleLimit
    ) throws(MetricError) -> (score: Double, sample: SilhouetteSample) {
        guard sampleLimit >= 2 else {
            throw MetricError(.invalidArgument, metric: "silhouette", "the sample limit must be at least 2")
        }
        let n = data.rowCount
        let d = data.columnCount
        var rows = Array(0..<n)
        let sampled = n > sampleLimit
        if sampled {
            var rng = SplitMix64(seed: seed)
            rows = rng.sampleIndices(count: sampleLimit, from: n)
        }
        var features: [Double] = []
        features.reserveCapacity(rows.count * d)
        for r in rows { features.append(contentsOf: data.features[(r * d)..<(r * d + d)]) }
        let subset = try ClusteringData(
            features: features, columnCount: d, assignments: rows.map { data.assignments[$0] })
        let (codes, k) = subset.encodedAssignments
        let m = rows.count
        guard k >= 2, k <= m - 1 else {
            throw MetricError(
                .undefinedMetric, metric: "silhouette",
                "the silhouette needs between 2 and \(m - 1) clusters among \(m) rows, found \(k)")
        }
        var sizes = [Int](repeating: 0, count: k)
        for c in codes { sizes[c] += 1 }
        var total = 0.0
        var distanceSums = [Double](repeating: 0, count: k)
        features.withUnsafeBufferPointer { x in
            for i in 0..<m {
                for c in 0..<k { distanceSums[c] = 0 }
                let base = i * d
                for j in 0..<m where j != i {
                    var s = 0.0
                    let other = j * d
                    for t in 0..<d {
                        let diff = x[base + t] - x[other + t]
                        s += diff * diff
                    }
                    distanceSums[codes[j]] += s.squareRoot()
                }
                let own = codes[i]
                // A row alone in its cluster scores 0.
                guard sizes[own] > 1 else { continue }
                let a = distanceSums[own] / Double(sizes[own] - 1)
                var b = Double.infinity
                for c in 0..<k where c != own { b = min(b, distanceSums[c] / Double(sizes[c])) }
                let denominator = max(a, b)
                total += denominator == 0 ? 0 : (b - a) / denominator
            }
        }
        let sample = SilhouetteSample(sampled: sampled, sampleSize: m, rowCount: n, seed: seed)
        return (total / Double(m), sample)
    }

    /// Mean over clusters of the worst (sᵢ + sⱼ) / dᵢⱼ, where s is the mean distance of a
    /// cluster's rows to its mean and d the distance between means.
    public static func daviesBouldin(_ data: ClusteringData) throws(MetricError) -> Double {
        let d = data.columnCount
        let (codes, k) = data.encodedAssignments
        try requireClusterCount(k, rows: data.rowCount, metric: "davies_bouldin")
        let means = clusterMeans(data.features, columnCount: d, codes: codes, clusterCount: k)
        var intra = [Double](repeating: 0, count: k)
        for r in 0..<data.rowCount {
            intra[codes[r]] += distance(data.features, r, means.means, codes[r], d)
        }
        for c in 0..<k { intra[c] /= Double(means.sizes[c]) }
        var centroidDistance = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var allCentroidsTogether = true
        for i in 0..<k {
            for j in 0..<k where i != j {
                centroidDistance[i][j] = distance(means.means, i, means.means, j, d)
                if abs(centroidDistance[i][j]) > 1e-8 { allCentroidsTogether = false }
            }
        }
        // scikit-learn: 0 when every cluster is a point or all centroids coincide.
        if intra.allSatisfy({ abs($0) <= 1e-8 }) || allCentroidsTogether { return 0 }
        var total = 0.0
        for i in 0..<k {
            var worst = 0.0
            for j in 0..<k where j != i && centroidDistance[i][j] != 0 {
                worst = max(worst, (intra[i] + intra[j]) / centroidDistance[i][j])
            }
            total += worst
        }
        return total / Double(k)
    }

    /// Between-cluster dispersion over within-cluster dispersion, scaled by (n − k)/(k − 1);
    /// 1.0 when every row sits on its cluster's mean.
    public static func calinskiHarabasz(_ data: ClusteringData) throws(MetricError) -> Double {
        let d = data.columnCount
        let n = data.rowCount
        let (codes, k) = data.encodedAssignments
        try requireClusterCount(k, rows: n, metric: "calinski_harabasz")
        let means = clusterMeans(data.features, columnCount: d, codes: codes, clusterCount: k)
        var overall = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { overall[j] += data.features[r * d + j] } }
        for j in 0..<d { overall[j] /= Double(n) }
        var extra = 0.0, intra = 0.0
        for c in 0..<k {
            var s = 0.0
            for j in 0..<d {
                let diff = means.means[c * d + j] - overall[j]
                s += diff * diff
            }
            extra += Double(means.sizes[c]) * s
        }
        for r in 0..<n {
            let c = codes[r]
            for j in 0..<d {
                let diff = data.features[r * d + j] - means.means[c * d + j]
                intra += diff * diff
            }
        }
        if intra == 0 { return 1 }
        return extra * Double(n - k) / (intra * Double(k - 1))
    }

    // MARK: Internals

    private static func requireClusterCount(_ k: Int, rows: Int, metric: String) throws(MetricError) {
        guard k >= 2, k <= rows - 1 else {
            throw MetricError(
                .undefinedMetric, metric: metric,
                "\(metric) needs between 2 and \(rows - 1) clusters among \(rows) rows, found \(k)")
        }
    }

    static func clusterMeans(
        _ x: [Double], columnCount d: Int, codes: [Int], clusterCount k: Int
    ) -> (means: [Double], sizes: [Int]) {
        var means = [Double](repeating: 0, count: k * d)
        var sizes = [Int](repeating: 0, count: k)
        for r in 0..<codes.count {
            let c = codes[r]
            sizes[c] += 1
            for j in 0..<d { means[c * d + j] += x[r * d + j] }
        }
        for c in 0..<k where sizes[c] > 0 {
            for j in 0..<d { means[c * d + j] /= Double(sizes[c]) }
        }
        return (means, sizes)
    }

    private static func distance(_ a: [Double], _ i: Int, _ b: [Double], _ j: Int, _ d: Int) -> Double {
        var s = 0.0
        for t in 0..<d {
            let diff = a[i * d + t] - b[j * d + t]
            s += diff * diff
        }
        return s.squareRoot()
    }
}
