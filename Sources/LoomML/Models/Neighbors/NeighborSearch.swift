// Exact k-nearest-neighbour search by blocked brute force, the method scikit-learn picks
// for more than 15 features. Training rows are packed in panels of four, feature-major,
// so one pass over a panel computes a 4 × 4 tile of distances with 4-wide vector
// arithmetic; 64 queries share each L2-sized block of training rows; each query keeps its
// k best in a small sorted array; query blocks run on all cores.
//
// Euclidean search screens in single precision, which doubles the vector width: with the
// rows centred on the training mean, each query keeps the k + 8 best of
// ‖t‖² − 2 q·t computed in Float, whose error is at most a proven bound E (rounding of the
// inputs, the dot product and the subtraction; see `screeningErrorBound`). If the
// (k + 8)-th screened score exceeds the k-th by more than 2E, the true k nearest rows, ties
// included, are certainly among the candidates, which are then ranked by exact
// double-precision distances √Σ(q − t)². Otherwise (many near-ties) that query is searched
// again exactly in double precision. So the answer is always the exact one. Manhattan
// distances, and data too large for Float, use the double-precision search throughout.
// Ties go to the lower training row.

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

    /// The single-precision screen of a block of queries, then exact ranking of the
    /// candidates (or an exact search of the queries the screen cannot decide).
    private func screenBlock(
        _ screen: SinglePrecisionScreen, _ queries: UnsafePointer<Double>, _ block: Range<Int>, k: Int,
        indices outIndices: UnsafeMutablePointer<Int>, distances outDistances: UnsafeMutablePointer<Double>
    ) {
        let d = columns
        let count = block.count
        let kept = k + SinglePrecisionScreen.extraCandidates
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: count * kept)
        let candidates = UnsafeMutablePointer<Int>.allocate(capacity: count * kept)
        let centred = UnsafeMutablePointer<Float>.allocate(capacity: count * d)
        // One 4 × 8 tile of scores, written with vector stores and read back lane by lane.
        let tileScores = UnsafeMutablePointer<Float>.allocate(capacity: 32)
        defer {
            tileScores.deallocate()
            scores.deallocate()
            candidates.deallocate()
            centred.deallocate()
        }
        scores.initialize(repeating: .infinity, count: count * kept)
        candidates.initialize(repeating: 0, count: count * kept)
        var queryNorms = [Double](repeating: 0, count: count)
        for local in 0 ..< count {
            var norm = 0.0
            for j in 0 ..< d {
                let value = queries[(block.lowerBound + local) * d + j] - screen.means[j]
                centred[local * d + j] = Float(value)
                norm += value * value
            }
            queryNorms[local] = norm.squareRoot()
        }
        let panelCount = screen.panelCount
        let panelsPerBlock = max(16, (128 * 1024) / max(d * 8 * 4, 1))
        screen.panels.withUnsafeBufferPointer { panels in
            screen.norms.withUnsafeBufferPointer { norms in
                var firstPanel = 0
                while firstPanel < panelCount {
                    let lastPanel = min(panelCount, firstPanel + panelsPerBlock)
                    var quad = 0
                    while quad < count {
                        let live = min(4, count - quad)
                        let q0 = centred + quad * d
                        let q1 = centred + (quad + min(1, live - 1)) * d
                        let q2 = centred + (quad + min(2, live - 1)) * d
                        let q3 = centred + (quad + min(3, live - 1)) * d
                        for panel in firstPanel ..< lastPanel {
                            let tile = panels.baseAddress! + panel * d * 8
                            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                            for j in 0 ..< d {
                                let t = UnsafeRawPointer(tile + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                                a0 += SIMD8(repeating: q0[j]) * t
                                a1 += SIMD8(repeating: q1[j]) * t
                                a2 += SIMD8(repeating: q2[j]) * t
                                a3 += SIMD8(repeating: q3[j]) * t
                            }
                            let norm = UnsafeRawPointer(norms.baseAddress! + panel * 8).loadUnaligned(as: SIMD8<Float>.self)
                            let firstRow = panel * 8
                            let raw = UnsafeMutableRawPointer(tileScores)
                            raw.storeBytes(of: norm - 2 * a0, as: SIMD8<Float>.self)
                            raw.storeBytes(of: norm - 2 * a1, toByteOffset: 32, as: SIMD8<Float>.self)
                            raw.storeBytes(of: norm - 2 * a2, toByteOffset: 64, as: SIMD8<Float>.self)
                            raw.storeBytes(of: norm - 2 * a3, toByteOffset: 96, as: SIMD8<Float>.self)
                            for query in 0 ..< live {
                                Self.offer(tileScores + query * 8, lanes: 8, firstRow: firstRow, into: scores + (quad + query) * kept, candidates + (quad + query) * kept, kept: kept)
                            }
                        }
                        quad += 4
                    }
                    firstPanel = lastPanel
                }
            }
        }
        values.withUnsafeBufferPointer { training in
            var order = [(distance: Double, index: Int)]()
            order.reserveCapacity(max(kept, k))
            for local in 0 ..< count {
                let query = queries + (block.lowerBound + local) * d
                order.removeAll(keepingCapacity: true)
                let bound = screen.errorBound(queryNorm: queryNorms[local], columns: d)
                let kth = Double(scores[local * kept + k - 1]), last = Double(scores[local * kept + kept - 1])
                if last - kth > 2 * bound {
                    for slot in 0 ..< kept {
                        let index = candidates[local * kept + slot]
                        order.append((Self.exactEuclidean(query, training.baseAddress! + index * d, d), index))
                    }
                    order.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
                } else {
                    // Too close to call in single precision: scan every row exactly.
                    for index in 0 ..< rows {
                        let distance = Self.exactEuclidean(query, training.baseAddress! + index * d, d)
                        if order.count < k {
                            order.append((distance, index))
                            var position = order.count - 1
                            while position > 0, order[position - 1].distance > distance {
                                order.swapAt(position, position - 1)
                                position -= 1
                            }
                        } else if distance < order[k - 1].distance {
                            order[k - 1] = (distance, index)
                            var position = k - 1
                            while position > 0, order[position - 1].distance > distance {
                                order.swapAt(position, position - 1)
                                position -= 1
                            }
                        }
                    }
                }
                let out = (block.lowerBound + local) * k
                for slot in 0 ..< k {
                    outIndices[out + slot] = order[slot].index
                    outDistances[out + slot] = order[slot].distance
                }
            }
        }
    }

    @inline(__always)
    private static func exactEuclidean(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        var sum = 0.0
        for j in 0 ..< d {
            let difference = a[j] - b[j]
            sum += difference * difference
        }
        return sum.squareRoot()
    }

    /// Offers `lanes` consecutive training rows' scores to one query's sorted best list.
    @inline(__always)
    private static func offer<Score: BinaryFloatingPoint>(_ candidates: UnsafePointer<Score>, lanes: Int, firstRow: Int, into best: UnsafeMutablePointer<Score>, _ bestIndices: UnsafeMutablePointer<Int>, kept: Int) {
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

/// Training rows centred on their mean and rounded to Float, in panels of eight rows
/// (feature-major), with their squared norms (+∞ for padding rows).
struct SinglePrecisionScreen: Sendable {
    /// Candidates kept beyond k, so the gap between the k-th and the last can be tested.
    static let extraCandidates = 8

    let means: [Double]
    let panels: [Float]
    let norms: [Float]
    let panelCount: Int
    /// The largest norm of a centred training row.
    let largestNorm: Double

    /// Nil when some centred value does not fit a Float comfortably.
    init?(_ x: FeatureMatrixView) {
        let d = x.columns
        let means = DenseKernels.columnMeans(x)
        let panelCount = (x.rows + 7) / 8
        var panels = [Float](repeating: 0, count: panelCount * d * 8)
        var norms = [Float](repeating: .infinity, count: panelCount * 8)
        var largest = 0.0
        for row in 0 ..< x.rows {
            let panel = row / 8, lane = row % 8
            var norm = 0.0, roundedNorm = 0.0
            for j in 0 ..< d {
                let value = x.values[row * d + j] - means[j]
                guard abs(value) < 1e15 else { return nil }
                let rounded = Float(value)
                panels[(panel * d + j) * 8 + lane] = rounded
                norm += value * value
                roundedNorm += Double(rounded) * Double(rounded)
            }
            norms[row] = Float(roundedNorm)
            largest = max(largest, norm)
        }
        self.means = means
        self.panels = panels
        self.norms = norms
        self.panelCount = panelCount
        largestNorm = largest.squareRoot()
    }

    /// A bound on |screened − exact| of ‖t‖² − 2 q·t for any training row t: rounding the
    /// inputs to Float (relative 2⁻²⁴ each), a Float dot product of d terms (γ_d Σ|qⱼtⱼ|),
    /// the norm's rounding and the final subtraction, all covered by (d + 8) · 2⁻²⁴ ·
    /// (‖t‖² + 2‖q‖‖t‖) with ‖t‖ at its largest; 1% and a tiny absolute term of slack.
    func errorBound(queryNorm: Double, columns d: Int) -> Double {
        let unit = 0x1p-24
        return 1.01 * Double(d + 8) * unit * (largestNorm * largestNorm + 2 * queryNorm * largestNorm) + 1e-30
    }
}
