// Exact k-nearest-neighbour search by blocked brute force, the method scikit-learn picks
// for more than 15 features. Training rows are packed in panels of four, feature-major,
// so one pass over a panel computes a 4 × 4 tile of distances with 4-wide vector
// arithmetic; 64 queries share each L2-sized block of training rows; each query keeps its
// k best in a small sorted array; query blocks run on all cores.
//
// Euclidean search screens in single precision, which doubles the vector width: with the
// rows centred on the training mean, each query keeps the k + 8 best of
// ‖t‖² − 2 q·t computed in Float, whose error is at most a proven bound E (rounding of the
// inputs, the dot product and the subtraction; see `SinglePrecisionScreen.errorBound`). If the
// (k + 8)-th screened score exceeds the k-th by more than 2E, the true k nearest rows, ties
// included, are certainly among the candidates, which are then ranked by exact
// double-precision distances √Σ(q − t)². Otherwise (many near-ties) that query is searched
// again exactly in double precision. So the answer is always the exact one. Manhattan
// distances, and data too large for Float, use the double-precision search throughout.
// Ties go to the lower training row. The screen is in NeighborSearch+Screen.swift.

struct NeighborSearch: Sendable {
    enum Metric: Sendable { case euclidean, manhattan }

    let metric: Metric
    let rows: Int
    let columns: Int
    /// The training rows as given (row-major), for exact distances.
    let values: [Double]
    /// `panelCount × columns × 4`: panel p holds rows 4p ..< 4p + 4, feature by feature.
    private let panels: [Double]
    /// ‖t‖² per packed row; +∞ for padding rows so they are never selected.
    private let squaredNorms: [Double]

    private let screen: SinglePrecisionScreen?

    private var panelCount: Int { (rows + 3) / 4 }

    init(_ x: FeatureMatrixView, metric: Metric) {
        screen = metric == .euclidean ? SinglePrecisionScreen(x) : nil
        self.metric = metric
        rows = x.rows
        columns = x.columns
        values = x.values
        let panelCount = (x.rows + 3) / 4
        let d = x.columns
        // Padding rows: zeros with an infinite norm (euclidean), or infinities (manhattan).
        var panels = [Double](repeating: metric == .manhattan ? .infinity : 0, count: panelCount * d * 4)
        var norms = [Double](repeating: .infinity, count: panelCount * 4)
        for row in 0 ..< x.rows {
            let panel = row / 4, lane = row % 4
            var norm = 0.0
            for j in 0 ..< d {
                let value = x.values[row * d + j]
                panels[(panel * d + j) * 4 + lane] = value
                norm += value * value
            }
            norms[row] = norm
        }
        self.panels = panels
        squaredNorms = norms
    }

    /// For each query row, its `k` nearest training rows (nearest first) and their
    /// distances: both row-major `queries × k`. Needs `1 ≤ k ≤ rows`.
    func search(_ queries: FeatureMatrixView, k: Int) -> (indices: [Int], distances: [Double]) {
        let m = queries.rows
        var indices = [Int](repeating: 0, count: m * k)
        var distances = [Double](repeating: 0, count: m * k)
        let queryBlock = 64
        let blockCount = (m + queryBlock - 1) / queryBlock
        guard blockCount > 0 else { return (indices, distances) }
        let chunks = (0 ..< blockCount).map { ($0 * queryBlock) ..< min(m, ($0 + 1) * queryBlock) }
        queries.values.withUnsafeBufferPointer { queryValues in
            indices.withUnsafeMutableBufferPointer { indices in
                distances.withUnsafeMutableBufferPointer { distances in
                    let indices = indices, distances = distances
                    RowParallel.run(chunks) { _, block in
                        if let screen, k + SinglePrecisionScreen.extraCandidates < rows {
                            screenBlock(screen, queryValues.baseAddress!, block, k: k, indices: indices.baseAddress!, distances: distances.baseAddress!)
                        } else {
                            searchBlock(queryValues.baseAddress!, block, k: k, indices: indices.baseAddress!, distances: distances.baseAddress!)
                        }
                    }
                }
            }
        }
        return (indices, distances)
    }

    private func searchBlock(
        _ queries: UnsafePointer<Double>, _ block: Range<Int>, k: Int,
        indices outIndices: UnsafeMutablePointer<Int>, distances outDistances: UnsafeMutablePointer<Double>
    ) {
        let d = columns
        let blockCount = block.count
        let bestDistances = UnsafeMutablePointer<Double>.allocate(capacity: blockCount * k)
        let bestIndices = UnsafeMutablePointer<Int>.allocate(capacity: blockCount * k)
        let tileScores = UnsafeMutablePointer<Double>.allocate(capacity: 16)
        defer {
            tileScores.deallocate()
            bestDistances.deallocate()
            bestIndices.deallocate()
        }
        bestDistances.initialize(repeating: .infinity, count: blockCount * k)
        bestIndices.initialize(repeating: 0, count: blockCount * k)
        let panelsPerBlock = max(16, (160 * 1024) / max(d * 4 * 8, 1))
        panels.withUnsafeBufferPointer { panels in
            squaredNorms.withUnsafeBufferPointer { norms in
                var firstPanel = 0
                while firstPanel < panelCount {
                    let lastPanel = min(panelCount, firstPanel + panelsPerBlock)
                    var quad = 0
                    while quad < blockCount {
                        // Four queries at a time; a short last group repeats its last query
                        // and ignores the repeats' results.
                        let live = min(4, blockCount - quad)
                        let q0 = queries + (block.lowerBound + quad) * d
                        let q1 = queries + (block.lowerBound + quad + min(1, live - 1)) * d
                        let q2 = queries + (block.lowerBound + quad + min(2, live - 1)) * d
                        let q3 = queries + (block.lowerBound + quad + min(3, live - 1)) * d
                        for panel in firstPanel ..< lastPanel {
                            let tile = panels.baseAddress! + panel * d * 4
                            var a0 = SIMD4<Double>(), a1 = SIMD4<Double>(), a2 = SIMD4<Double>(), a3 = SIMD4<Double>()
                            switch metric {
                            case .euclidean:
                                for j in 0 ..< d {
                                    let t = UnsafeRawPointer(tile + j * 4).loadUnaligned(as: SIMD4<Double>.self)
                                    a0 += SIMD4(repeating: q0[j]) * t
                                    a1 += SIMD4(repeating: q1[j]) * t
                                    a2 += SIMD4(repeating: q2[j]) * t
                                    a3 += SIMD4(repeating: q3[j]) * t
                                }
                                let norm = UnsafeRawPointer(norms.baseAddress! + panel * 4).loadUnaligned(as: SIMD4<Double>.self)
                                a0 = norm - 2 * a0
                                a1 = norm - 2 * a1
                                a2 = norm - 2 * a2
                                a3 = norm - 2 * a3
                            case .manhattan:
                                for j in 0 ..< d {
                                    let t = UnsafeRawPointer(tile + j * 4).loadUnaligned(as: SIMD4<Double>.self)
                                    let e0 = SIMD4(repeating: q0[j]) - t, e1 = SIMD4(repeating: q1[j]) - t
                                    let e2 = SIMD4(repeating: q2[j]) - t, e3 = SIMD4(repeating: q3[j]) - t
                                    a0 += pointwiseMax(e0, -e0)
                                    a1 += pointwiseMax(e1, -e1)
                                    a2 += pointwiseMax(e2, -e2)
                                    a3 += pointwiseMax(e3, -e3)
                                }
                            }
                            let firstRow = panel * 4
                            let raw = UnsafeMutableRawPointer(tileScores)
                            raw.storeBytes(of: a0, as: SIMD4<Double>.self)
                            raw.storeBytes(of: a1, toByteOffset: 32, as: SIMD4<Double>.self)
                            raw.storeBytes(of: a2, toByteOffset: 64, as: SIMD4<Double>.self)
                            raw.storeBytes(of: a3, toByteOffset: 96, as: SIMD4<Double>.self)
                            for query in 0 ..< live {
                                Self.offer(tileScores + query * 4, lanes: 4, firstRow: firstRow, into: bestDistances + (quad + query) * k, bestIndices + (quad + query) * k, kept: k)
                            }
                        }
                        quad += 4
                    }
                    firstPanel = lastPanel
                }
            }
        }
        // Exact distances of the chosen rows, re-sorted by them (ties: lower row first).
        values.withUnsafeBufferPointer { training in
            var order = [(distance: Double, index: Int)]()
            order.reserveCapacity(k)
            for local in 0 ..< blockCount {
                let query = queries + (block.lowerBound + local) * d
                order.removeAll(keepingCapacity: true)
                for slot in 0 ..< k {
                    let index = bestIndices[local * k + slot]
                    let row = training.baseAddress! + index * d
                    var sum = 0.0
                    switch metric {
                    case .euclidean:
                        for j in 0 ..< d {
                            let difference = query[j] - row[j]
                            sum += difference * difference
                        }
                        sum = sum.squareRoot()
                    case .manhattan:
                        for j in 0 ..< d { sum += abs(query[j] - row[j]) }
                    }
                    order.append((sum, index))
                }
                order.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
                let out = (block.lowerBound + local) * k
                for slot in 0 ..< k {
                    outIndices[out + slot] = order[slot].index
                    outDistances[out + slot] = order[slot].distance
                }
            }
        }
    }

    @inline(__always)
    static func exactEuclidean(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        var sum = 0.0
        for j in 0 ..< d {
            let difference = a[j] - b[j]
            sum += difference * difference
        }
        return sum.squareRoot()
    }

    /// Offers `lanes` consecutive training rows' scores to one query's sorted best list.
    @inline(__always)
    static func offer<Score: BinaryFloatingPoint>(_ candidates: UnsafePointer<Score>, lanes: Int, firstRow: Int, into best: UnsafeMutablePointer<Score>, _ bestIndices: UnsafeMutablePointer<Int>, kept: Int) {
        var worst = best[kept - 1]
        for lane in 0 ..< lanes {
            let score = candidates[lane]
            guard score < worst else { continue }
            var position = kept - 1
            while position > 0, best[position - 1] > score {
                best[position] = best[position - 1]
                bestIndices[position] = bestIndices[position - 1]
                position -= 1
            }
            best[position] = score
            bestIndices[position] = firstRow + lane
            worst = best[kept - 1]
        }
    }
}
