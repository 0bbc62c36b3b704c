// NeighborSearch+Screen: the single-precision screen of euclidean search (the method is
// described at the top of NeighborSearch.swift). The kernel scores a tile of 4 queries ×
// 8 training rows per pass over the features. Three things keep it lean on baseline
// x86-64 (SSE2, which is what this package compiles for): each query value is stored
// already repeated across a vector, so it is loaded rather than shuffled into place; the
// query is scaled by −2 up front (exact in binary floating point), so a tile's scores are
// ‖t‖² plus the accumulated products, bit for bit what ‖t‖² − 2 q·t gave; and a query
// looks at its 8 scores one by one only when the smallest of them beats its current
// worst candidate, which after the first few thousand rows is rare.

extension NeighborSearch {
    /// The single-precision screen of a block of queries, then exact ranking of the
    /// candidates (or an exact search of the queries the screen cannot decide).
    func screenBlock(
        _ screen: SinglePrecisionScreen, _ queries: UnsafePointer<Double>, _ block: Range<Int>, k: Int,
        indices outIndices: UnsafeMutablePointer<Int>, distances outDistances: UnsafeMutablePointer<Double>
    ) {
        let d = columns
        let count = block.count
        let kept = k + SinglePrecisionScreen.extraCandidates
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: count * kept)
        let candidates = UnsafeMutablePointer<Int>.allocate(capacity: count * kept)
        // −2 × each centred query value, rounded to Float, in all four lanes.
        let broadcasts = UnsafeMutablePointer<SIMD4<Float>>.allocate(capacity: count * d)
        // Where a tile row that passed the quick test is written, to be offered lane by lane.
        let spill = UnsafeMutablePointer<Float>.allocate(capacity: 8)
        defer {
            spill.deallocate()
            scores.deallocate()
            candidates.deallocate()
            broadcasts.deallocate()
        }
        scores.initialize(repeating: .infinity, count: count * kept)
        candidates.initialize(repeating: 0, count: count * kept)
        var queryNorms = [Double](repeating: 0, count: count)
        for local in 0 ..< count {
            var norm = 0.0
            for j in 0 ..< d {
                let value = queries[(block.lowerBound + local) * d + j] - screen.means[j]
                broadcasts[local * d + j] = SIMD4(repeating: -2 * Float(value))
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
                        // Four queries at a time; a short last group repeats its last query
                        // and ignores the repeats' scores.
                        let live = min(4, count - quad)
                        let q0 = broadcasts + quad * d
                        let q1 = broadcasts + (quad + min(1, live - 1)) * d
                        let q2 = broadcasts + (quad + min(2, live - 1)) * d
                        let q3 = broadcasts + (quad + min(3, live - 1)) * d
                        for panel in firstPanel ..< lastPanel {
                            let tile = panels.baseAddress! + panel * d * 8
                            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                            for j in 0 ..< d {
                                let t = UnsafeRawPointer(tile + j * 8).loadUnaligned(as: SIMD8<Float>.self)
                                let b0 = q0[j], b1 = q1[j], b2 = q2[j], b3 = q3[j]
                                a0 += SIMD8(lowHalf: b0, highHalf: b0) * t
                                a1 += SIMD8(lowHalf: b1, highHalf: b1) * t
                                a2 += SIMD8(lowHalf: b2, highHalf: b2) * t
                                a3 += SIMD8(lowHalf: b3, highHalf: b3) * t
                            }
                            let norm = UnsafeRawPointer(norms.baseAddress! + panel * 8).loadUnaligned(as: SIMD8<Float>.self)
                            let firstRow = panel * 8
                            let best = scores + quad * kept, bestIndices = candidates + quad * kept
                            Self.consider(norm + a0, firstRow: firstRow, best, bestIndices, kept: kept, spill: spill)
                            if live > 1 {
                                Self.consider(norm + a1, firstRow: firstRow, best + kept, bestIndices + kept, kept: kept, spill: spill)
                            }
                            if live > 2 {
                                Self.consider(norm + a2, firstRow: firstRow, best + 2 * kept, bestIndices + 2 * kept, kept: kept, spill: spill)
                            }
                            if live > 3 {
                                Self.consider(norm + a3, firstRow: firstRow, best + 3 * kept, bestIndices + 3 * kept, kept: kept, spill: spill)
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

    /// Offers a tile row of 8 scores to one query's sorted best list, unless none of them
    /// beats the list's worst.
    @inline(__always)
    private static func consider(
        _ tile: SIMD8<Float>, firstRow: Int, _ best: UnsafeMutablePointer<Float>, _ bestIndices: UnsafeMutablePointer<Int>,
        kept: Int, spill: UnsafeMutablePointer<Float>
    ) {
        // tile − worst is negative in exactly the lanes that beat the worst (and perhaps in
        // NaN lanes, which `offer` then turns down), so OR-ing the sign bits answers "does
        // any lane beat it" in a few vector instructions; the stdlib's `.<` and
        // `pointwiseMin` compile lane by lane here.
        let difference = unsafeBitCast(tile - SIMD8(repeating: best[kept - 1]), to: SIMD8<UInt32>.self)
        let half = difference.lowHalf | difference.highHalf
        let quarter = half.lowHalf | half.highHalf
        guard (quarter.x | quarter.y) >> 31 != 0 else { return }
        UnsafeMutableRawPointer(spill).storeBytes(of: tile, as: SIMD8<Float>.self)
        offer(spill, lanes: 8, firstRow: firstRow, into: best, bestIndices, kept: kept)
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
