// DBSCAN, matching scikit-learn's `DBSCAN(eps=…, min_samples=…)` with the euclidean metric:
// a row is a core row when at least minSamples rows (itself included) lie within eps
// (distance ≤ eps); clusters are the core rows linked through such neighbourhoods plus
// the non-core rows they reach; everything else is noise (-1). Clusters are numbered, and
// border rows claimed, in the order scikit-learn's `dbscan_inner` does: rows in index order,
// each new cluster grown depth-first from its first core row.
// Neighbourhoods come from a brute-force search over row blocks on all cores (O(n²) time;
// memory grows with the neighbourhood sizes, as in scikit-learn).
//
// Hyperparameters (scikit-learn's defaults): eps = 0.5 (> 0, finite), minSamples = 5 (≥ 1).

public struct DBSCAN: Clusterer {
    public struct Configuration: Sendable, Equatable {
        /// Neighbourhood radius, > 0. Default 0.5.
        public var eps: Double
        /// Rows within eps (itself included) that make a core row, ≥ 1. Default 5.
        public var minSamples: Int

        public init(eps: Double = 0.5, minSamples: Int = 5) {
            self.eps = eps
            self.minSamples = minSamples
        }

        public func validate() throws(ModelError) {
            try HyperparameterCheck.positive(eps, "eps")
            try HyperparameterCheck.atLeast(minSamples, 1, "min_samples")
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func fit(_ x: FeatureMatrixView, control: FitControl) throws(ModelError) -> Clustering {
        try configuration.validate()
        try ModelInputCheck.features(x)
        let neighborhoods = try Self.neighborhoods(x, radius: configuration.eps, control: control)
        let n = x.rows
        let isCore = neighborhoods.map { $0.count >= configuration.minSamples }
        var labels = [Int](repeating: -1, count: n)
        var clusterCount = 0
        var stack: [Int] = []
        for start in 0 ..< n where labels[start] == -1 && isCore[start] {
            var row = start
            while true {
                if labels[row] == -1 {
                    labels[row] = clusterCount
                    if isCore[row] {
                        for neighbor in neighborhoods[row] where labels[neighbor] == -1 { stack.append(neighbor) }
                    }
                }
                guard let next = stack.popLast() else { break }
                row = next
            }
            clusterCount += 1
        }
        control.progress(1)
        return Clustering(assignments: labels, clusterCount: clusterCount)
    }

    /// The rows within `radius` of each row (itself included), in increasing order.
    static func neighborhoods(_ x: FeatureMatrixView, radius: Double, control: FitControl) throws(ModelError) -> [[Int]] {
        let n = x.rows, d = x.columns
        let limit = radius * radius
        var result = [[Int]](repeating: [], count: n)
        let batch = 512
        var first = 0
        while first < n {
            try control.checkCancellation()
            control.progress(0.9 * Double(first) / Double(n))
            let rows = first ..< min(n, first + batch)
            let chunks = RowParallel.chunks(rows.count, minimumRowsPerChunk: 64).map { ($0.lowerBound + first) ..< ($0.upperBound + first) }
            x.values.withUnsafeBufferPointer { values in
                result.withUnsafeMutableBufferPointer { result in
                    let result = result
                    RowParallel.run(chunks) { _, rows in
                        for row in rows {
                            let a = values.baseAddress! + row * d
                            var found: [Int] = []
                            for other in 0 ..< n {
                                let b = values.baseAddress! + other * d
                                var sum = 0.0
                                for j in 0 ..< d {
                                    let difference = a[j] - b[j]
                                    sum += difference * difference
                                }
                                if sum <= limit { found.append(other) }
                            }
                            result[row] = found
                        }
                    }
                }
            }
            first = rows.upperBound
        }
        return result
    }
}
