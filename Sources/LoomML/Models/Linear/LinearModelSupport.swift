// Shared pieces of the linear, neighbour, Bayes and clustering models: input checks that
// throw instead of trapping, a row-parallel loop over both cores, small dense kernels
// (dot products with independent accumulators so they vectorise, a Gram matrix of centred
// rows) and the symmetric solvers behind least squares and ridge.
import Dispatch
import Foundation

/// Checks shared by every fit and predict in this folder; each throws `.invalidInput`.
enum ModelInputCheck {
    static func features(_ x: FeatureMatrixView) throws(ModelError) {
        guard x.rows > 0 else { throw ModelError(.invalidInput, "the feature matrix has no rows") }
        guard x.columns > 0 else { throw ModelError(.invalidInput, "the feature matrix has no features") }
    }

    static func classification(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, minimumClasses: Int = 2) throws(ModelError) {
        try features(x)
        guard y.count == x.rows else {
            throw ModelError(.invalidInput, "\(x.rows) rows of features but \(y.count) targets")
        }
        guard classCount >= minimumClasses else {
            throw ModelError(.invalidInput, "a classifier needs at least \(minimumClasses) classes, got a class count of \(classCount)")
        }
        if let index = y.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw ModelError(.invalidInput, "row \(index) has class \(y[index]), outside 0..<\(classCount)")
        }
    }

    static func regression(_ x: FeatureMatrixView, _ y: [Double]) throws(ModelError) {
        try features(x)
        guard y.count == x.rows else {
            throw ModelError(.invalidInput, "\(x.rows) rows of features but \(y.count) targets")
        }
        if let index = y.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(.invalidInput, "the target of row \(index) is not a finite number")
        }
    }

    /// A fitted model predicts only on rows with the features it learned from.
    static func prediction(_ x: FeatureMatrixView, fittedColumns: Int?) throws(ModelError) -> Int {
        guard let fittedColumns else { throw ModelError(.notFitted, "the model must be fitted before it predicts") }
        guard x.columns == fittedColumns else {
            throw ModelError(.invalidInput, "the model was fitted on \(fittedColumns) features, got \(x.columns)")
        }
        return fittedColumns
    }
}

/// Splits rows into one contiguous range per core and runs them concurrently. Work below
/// `minimumRowsPerChunk` per core stays on the calling thread, where a thread hop costs
/// more than it saves.
enum RowParallel {
    static let coreCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))

    static func chunks(_ rows: Int, minimumRowsPerChunk: Int = 2048, maximumChunks: Int = RowParallel.coreCount) -> [Range<Int>] {
        let count = max(1, min(maximumChunks, rows / max(minimumRowsPerChunk, 1)))
        return (0 ..< count).map { index in (rows * index / count) ..< (rows * (index + 1) / count) }
    }

    static func run(_ chunks: [Range<Int>], _ body: (Int, Range<Int>) -> Void) {
        withoutActuallyEscaping(body) { body in runEscaping(chunks, body) }
    }

    private static func runEscaping(_ chunks: [Range<Int>], _ body: @escaping (Int, Range<Int>) -> Void) {
        if chunks.count == 1 {
            body(0, chunks[0])
        } else {
            // Each chunk writes only its own rows or its own partial sums, so sharing the
            // non-Sendable closure (and the buffers it captures) across the workers is safe.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks.count) { body($0, chunks[$0]) }
        }
    }
}

enum DenseKernels {
    /// Σ a[i]·b[i] with eight independent partial sums: a single accumulator chains every
    /// addition on the previous one, which LLVM may not reorder, so it runs at add latency.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
        var i = 0
        while i + 8 <= n {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            s4 += a[i + 4] * b[i + 4]; s5 += a[i + 5] * b[i + 5]; s6 += a[i + 6] * b[i + 6]; s7 += a[i + 7] * b[i + 7]
            i += 8
        }
        while i < n {
            s0 += a[i] * b[i]
            i += 1
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// Rows per block of `rowBlocks`: a fixed size, so that sums taken block by block and
    /// then added in block order are the same on any number of cores.
    static let blockRows = 8192

    /// `0..<rows` cut into consecutive blocks of `blockRows` rows (the last one shorter).
    static func rowBlocks(_ rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: blockRows).map { $0 ..< min(rows, $0 + blockRows) }
    }

    /// Rows of a row-major matrix read column by column while they stay in the L1 cache
    /// (20 KB at 20 features): a column's sum then runs in a register, where summing whole
    /// rows into an array of sums made every addition a load and a store.
    static let tileRows = 128

    /// Calls `body` with consecutive ranges of at most `tileRows` rows covering `rows`.
    @inline(__always)
    static func forEachTile(_ rows: Range<Int>, _ body: (Range<Int>) -> Void) {
        for start in stride(from: rows.lowerBound, to: rows.upperBound, by: tileRows) {
            body(start ..< min(rows.upperBound, start + tileRows))
        }
    }

    /// Column means of a row-major matrix, summed by blocks of rows on every core.
    static func columnMeans(_ x: FeatureMatrixView) -> [Double] {
        let d = x.columns
        let blocks = rowBlocks(x.rows)
        var partial = [Double](repeating: 0, count: blocks.count * d)
        x.values.withUnsafeBufferPointer { values in
            partial.withUnsafeMutableBufferPointer { partial in
                let partial = partial
                RowParallel.run(blocks) { block, rows in
                    let sums = partial.baseAddress! + block * d
                    forEachTile(rows) { tile in
                        for column in 0 ..< d {
                            var sum = 0.0
                            for row in tile { sum += values[row &* d &+ column] }
                            sums[column] += sum
                        }
                    }
                }
            }
        }
        var means = [Double](repeating: 0, count: d)
        for block in blocks.indices { for column in 0 ..< d { means[column] += partial[block * d + column] } }
        return means.map { $0 / Double(x.rows) }
    }

    /// a[i] += step · x[i] for every i, then Σ next[i]·a[i] of the updated a, with the
    /// partial sums of `dot`: one pass where a coordinate-descent step and the next
    /// coordinate's correlation took two.
    @inline(__always)
    static func addThenDot(
        _ a: UnsafeMutablePointer<Double>, _ step: Double, _ x: UnsafePointer<Double>, _ next: UnsafePointer<Double>, _ n: Int
    ) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
        var i = 0
        while i + 8 <= n {
            a[i] += step * x[i]; a[i + 1] += step * x[i + 1]; a[i + 2] += step * x[i + 2]; a[i + 3] += step * x[i + 3]
            a[i + 4] += step * x[i + 4]; a[i + 5] += step * x[i + 5]; a[i + 6] += step * x[i + 6]; a[i + 7] += step * x[i + 7]
            s0 += next[i] * a[i]; s1 += next[i + 1] * a[i + 1]; s2 += next[i + 2] * a[i + 2]; s3 += next[i + 3] * a[i + 3]
            s4 += next[i + 4] * a[i + 4]; s5 += next[i + 5] * a[i + 5]; s6 += next[i + 6] * a[i + 6]; s7 += next[i + 7] * a[i + 7]
            i += 8
        }
        while i < n {
            a[i] += step * x[i]
            s0 += next[i] * a[i]
            i += 1
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// The Gram matrix (X − mean)ᵀ(X − mean) (full, row-major d × d) and (X − mean)ᵀ(y − ȳ),
    /// accumulated over row chunks on both cores. Only the upper triangle is summed, four
    /// entries at a time (SIMD4) over a block of `gramBlockRows` centred rows: each Gram
    /// entry is read and written once per block instead of once per row.
    static let gramBlockRows = 16

    static func centredGram(_ x: FeatureMatrixView, means: [Double], y: [Double], yMean: Double) -> (gram: [Double], xty: [Double]) {
        let d = x.columns
        let chunks = RowParallel.chunks(x.rows, minimumRowsPerChunk: 4096)
        var partialGrams = [Double](repeating: 0, count: chunks.count * d * d)
        var partialXty = [Double](repeating: 0, count: chunks.count * d)
        x.values.withUnsafeBufferPointer { values in
            y.withUnsafeBufferPointer { y in
                means.withUnsafeBufferPointer { means in
                    partialGrams.withUnsafeMutableBufferPointer { grams in
                        partialXty.withUnsafeMutableBufferPointer { xtys in
                            let grams = grams, xtys = xtys
                            RowParallel.run(chunks) { chunk, rows in
                                let gram = grams.baseAddress! + chunk * d * d
                                let xty = xtys.baseAddress! + chunk * d
                                let block = gramBlockRows
                                let lanes = (d + 3) / 4, stride = lanes * 4
                                // The block's centred rows (zero-padded to whole SIMD4s) and
                                // targets, and this chunk's Gram rows, as SIMD4s.
                                let centred = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: block * lanes)
                                let sums = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: d * lanes)
                                let targets = UnsafeMutablePointer<Double>.allocate(capacity: block)
                                centred.initialize(repeating: SIMD4(), count: block * lanes)
                                sums.initialize(repeating: SIMD4(), count: d * lanes)
                                defer {
                                    centred.deallocate()
                                    sums.deallocate()
                                    targets.deallocate()
                                }
                                let scalars = UnsafeMutableRawPointer(centred).assumingMemoryBound(to: Double.self)
                                for start in Swift.stride(from: rows.lowerBound, to: rows.upperBound, by: block) {
                                    let count = min(block, rows.upperBound - start)
                                    for k in 0 ..< count {
                                        let base = (start + k) * d
                                        for j in 0 ..< d { scalars[k * stride + j] = values[base + j] - means[j] }
                                        targets[k] = y[start + k] - yMean
                                    }
                                    for j in 0 ..< d {
                                        var product = 0.0
                                        for k in 0 ..< count { product += scalars[k * stride + j] * targets[k] }
                                        xty[j] += product
                                        // Row j from its diagonal's SIMD4 on: the upper triangle, and a little more.
                                        for lane in (j / 4) ..< lanes {
                                            var sum = sums[j * lanes + lane]
                                            for k in 0 ..< count { sum += SIMD4(repeating: scalars[k * stride + j]) * centred[k * lanes + lane] }
                                            sums[j * lanes + lane] = sum
                                        }
                                    }
                                }
                                let summed = UnsafeMutableRawPointer(sums).assumingMemoryBound(to: Double.self)
                                for j in 0 ..< d {
                                    for l in j ..< d { gram[j * d + l] = summed[j * stride + l] }
                                }
                            }
                        }
                    }
                }
            }
        }
        var gram = [Double](repeating: 0, count: d * d)
        var xty = [Double](repeating: 0, count: d)
        for chunk in 0 ..< chunks.count {
            for j in 0 ..< d {
                xty[j] += partialXty[chunk * d + j]
                for l in j ..< d { gram[j * d + l] += partialGrams[chunk * d * d + j * d + l] }
            }
        }
        for j in 0 ..< d { for l in 0 ..< j { gram[j * d + l] = gram[l * d + j] } }
        return (gram, xty)
    }
}

enum SymmetricSolve {
    /// Solves A x = b for a symmetric positive definite A (row-major n × n) by Cholesky.
    /// Returns nil when a pivot is not clearly positive relative to its diagonal entry,
    /// i.e. A is singular or too ill-conditioned to trust the factor.
    static func cholesky(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        var l = a
        for j in 0 ..< n {
            var pivot = l[j * n + j]
            for k in 0 ..< j { pivot -= l[j * n + k] * l[j * n + k] }
            guard pivot > 1e-10 * max(a[j * n + j], .leastNormalMagnitude) else { return nil }
            let root = pivot.squareRoot()
            l[j * n + j] = root
            for i in (j + 1) ..< max(n, j + 1) {
                var value = l[i * n + j]
                for k in 0 ..< j { value -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = value / root
            }
        }
        var x = b
        for i in 0 ..< n {
            var value = x[i]
            for k in 0 ..< i { value -= l[i * n + k] * x[k] }
            x[i] = value / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var value = x[i]
            for k in (i + 1) ..< max(n, i + 1) { value -= l[k * n + i] * x[k] }
            x[i] = value / l[i * n + i]
        }
        return x
    }

    /// The minimum-norm solution of A x = b for a symmetric positive semi-definite A, through
    /// its eigen-decomposition (cyclic Jacobi), dropping eigenvalues below 1e-12 × the
    /// largest. For a Gram matrix XᵀX this is the least-squares solution `lstsq` returns.
    static func pseudoInverse(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
        var m = a
        var v = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n { v[i * n + i] = 1 }
        for _ in 0 ..< 100 {
            var offDiagonal = 0.0
            for p in 0 ..< n { for q in (p + 1) ..< max(n, p + 1) { offDiagonal += m[p * n + q] * m[p * n + q] } }
            if offDiagonal < 1e-30 { break }
            for p in 0 ..< n {
                for q in (p + 1) ..< max(n, p + 1) where m[p * n + q] != 0 {
                    let theta = (m[q * n + q] - m[p * n + p]) / (2 * m[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0 ..< n {
                        let mkp = m[k * n + p], mkq = m[k * n + q]
                        m[k * n + p] = c * mkp - s * mkq
                        m[k * n + q] = s * mkp + c * mkq
                    }
                    for k in 0 ..< n {
                        let mpk = m[p * n + k], mqk = m[q * n + k]
                        m[p * n + k] = c * mpk - s * mqk
                        m[q * n + k] = s * mpk + c * mqk
                    }
                    for k in 0 ..< n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let eigenvalues = (0 ..< n).map { m[$0 * n + $0] }
        let largest = eigenvalues.max() ?? 0
        var x = [Double](repeating: 0, count: n)
        guard largest > 0 else { return x }
        for e in 0 ..< n where eigenvalues[e] > 1e-12 * largest {
            var projection = 0.0
            for k in 0 ..< n { projection += v[k * n + e] * b[k] }
            projection /= eigenvalues[e]
            for k in 0 ..< n { x[k] += projection * v[k * n + e] }
        }
        return x
    }
}

enum LinearImportances {
    /// Feature importances of a linear model: |coefficient| summed over outputs (classes),
    /// normalised to sum to 1. They compare features only when features share a scale
    /// (standardise first); nil when every coefficient is zero.
    static func fromCoefficients(_ coefficients: [Double], outputs: Int, features: Int) -> [Double]? {
        var importances = [Double](repeating: 0, count: features)
        for output in 0 ..< outputs {
            for feature in 0 ..< features { importances[feature] += abs(coefficients[output * features + feature]) }
        }
        let total = importances.reduce(0, +)
        guard total > 0, total.isFinite else { return nil }
        return importances.map { $0 / total }
    }
}
