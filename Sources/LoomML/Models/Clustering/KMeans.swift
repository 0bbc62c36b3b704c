// k-means, matching scikit-learn's `KMeans(n_clusters=…, init="k-means++", n_init=…,
// max_iter=…, tol=…, algorithm="lloyd", random_state=…)`:
// - greedy k-means++ seeding: the first centre a uniformly drawn row, then each next centre
//   the best (lowest resulting inertia) of 2 + ⌊ln k⌋ rows drawn with probability
//   proportional to their squared distance to the nearest centre so far;
// - Lloyd iterations until the labels stop changing, or the total squared centre shift is
//   at most tol × the mean feature variance (scikit-learn's scaling), or maxIterations;
//   a cluster left empty takes the row farthest from its centre;
// - the best of nInit seedings by inertia (restarts run on all cores; each restart has its
//   own generator split from `randomState`, so the result does not depend on scheduling).
// Rows are centred first, as scikit-learn does, so ‖x‖² − 2x·c + ‖c‖² stays precise.
//
// Hyperparameters: clusters = 8 (1 ... rows), nInit = 1 (≥ 1; scikit-learn's "auto" for
// k-means++), maxIterations = 300 (≥ 1), tolerance = 1e-4 (≥ 0), randomState = 0.
import Foundation
import Synchronization

public struct KMeans: Clusterer {
    public struct Configuration: Sendable, Equatable {
        /// The number of clusters, ≥ 1 and at most the rows. Default 8.
        public var clusters: Int
        /// Seedings to run, keeping the lowest inertia; ≥ 1. Default 1.
        public var nInit: Int
        /// Lloyd iterations per seeding, ≥ 1. Default 300.
        public var maxIterations: Int
        /// Relative centre-shift tolerance, ≥ 0. Default 1e-4.
        public var tolerance: Double
        /// Seed of the generator. Default 0.
        public var randomState: UInt64

        public init(clusters: Int = 8, nInit: Int = 1, maxIterations: Int = 300, tolerance: Double = 1e-4, randomState: UInt64 = 0) {
            self.clusters = clusters
            self.nInit = nInit
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.randomState = randomState
        }

        public func validate() throws(ModelError) {
            try HyperparameterCheck.atLeast(clusters, 1, "n_clusters")
            try HyperparameterCheck.atLeast(nInit, 1, "n_init")
            try HyperparameterCheck.atLeast(maxIterations, 1, "max_iter")
            try HyperparameterCheck.nonNegative(tolerance, "tol")
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func fit(_ x: FeatureMatrixView, control: FitControl) throws(ModelError) -> Clustering {
        try configuration.validate()
        try ModelInputCheck.features(x)
        guard configuration.clusters <= x.rows else {
            throw ModelError(.invalidHyperparameter, field: "n_clusters", "n_clusters (\(configuration.clusters)) must be at most the \(x.rows) rows")
        }
        try control.checkCancellation()
        let n = x.rows, d = x.columns
        let means = DenseKernels.columnMeans(x)
        var centred = x.values
        var varianceSum = 0.0
        for row in 0 ..< n {
            for j in 0 ..< d {
                let value = centred[row * d + j] - means[j]
                centred[row * d + j] = value
                varianceSum += value * value
            }
        }
        let absoluteTolerance = configuration.tolerance * varianceSum / Double(n * d)
        var squaredNorms = [Double](repeating: 0, count: n)
        for row in 0 ..< n {
            var sum = 0.0
            for j in 0 ..< d { sum += centred[row * d + j] * centred[row * d + j] }
            squaredNorms[row] = sum
        }
        var generator = SplitMix64(seed: configuration.randomState)
        let seeds = (0 ..< configuration.nInit).map { _ in generator.next() }
        let problem = KMeansRun(values: centred, squaredNorms: squaredNorms, n: n, d: d, k: configuration.clusters, maxIterations: configuration.maxIterations, tolerance: absoluteTolerance)

        let finished = Mutex(0)
        let runCount = configuration.nInit
        var outcomes = [Result<KMeansRun.Outcome, ModelError>?](repeating: nil, count: runCount)
        outcomes.withUnsafeMutableBufferPointer { outcomes in
            let outcomes = outcomes
            let chunks = (0 ..< runCount).map { $0 ..< $0 + 1 }
            RowParallel.run(chunks) { run, _ in
                do throws(ModelError) {
                    outcomes[run] = .success(try problem.run(seed: seeds[run], control: control))
                } catch {
                    outcomes[run] = .failure(error)
                }
                let done = finished.withLock { count in
                    count += 1
                    return count
                }
                control.progress(Double(done) / Double(runCount))
            }
        }
        var best: KMeansRun.Outcome?
        for outcome in outcomes {
            switch outcome {
            case .success(let result):
                if best == nil || result.inertia < best!.inertia { best = result }
            case .failure(let error):
                throw error
            case nil:
                throw ModelError(.cancelled, "a k-means restart did not run")
            }
        }
        guard var result = best else { throw ModelError(.cancelled, "no k-means restart ran") }
        for c in 0 ..< configuration.clusters {
            for j in 0 ..< d { result.centres[c * d + j] += means[j] }
        }
        return Clustering(assignments: result.labels, clusterCount: configuration.clusters, centroids: result.centres, inertia: result.inertia)
    }
}

/// One seeding plus its Lloyd iterations, on centred rows.
struct KMeansRun: Sendable {
    let values: [Double]
    let squaredNorms: [Double]
    let n: Int
    let d: Int
    let k: Int
    let maxIterations: Int
    let tolerance: Double

    struct Outcome: Sendable {
        var labels: [Int]
        var centres: [Double]
        var inertia: Double
        var iterations: Int
    }

    func run(seed: UInt64, control: FitControl) throws(ModelError) -> Outcome {
        var generator = SplitMix64(seed: seed)
        var centres = try seedCentres(&generator, control: control)
        var labels = [Int](repeating: -1, count: n)
        var previous = labels
        var sums = [Double](repeating: 0, count: k * d)
        var distances = [Double](repeating: 0, count: n)
        var strict = false
        var iterations = 0
        for _ in 0 ..< maxIterations {
            try control.checkCancellation()
            iterations += 1
            assign(centres, labels: &labels, distances: &distances)
            // New centres: the mean of each cluster's rows.
            var counts = [Int](repeating: 0, count: k)
            for i in 0 ..< sums.count { sums[i] = 0 }
            values.withUnsafeBufferPointer { values in
                for row in 0 ..< n {
                    let label = labels[row]
                    counts[label] += 1
                    for j in 0 ..< d { sums[label * d + j] += values[row * d + j] }
                }
            }
            relocateEmptyClusters(counts: &counts, sums: &sums, labels: labels, distances: distances)
            var shift = 0.0
            for c in 0 ..< k {
                for j in 0 ..< d {
                    let updated = counts[c] > 0 ? sums[c * d + j] / Double(counts[c]) : centres[c * d + j]
                    let change = updated - centres[c * d + j]
                    shift += change * change
                    centres[c * d + j] = updated
                }
            }
            if labels == previous {
                strict = true
                break
            }
            previous = labels
            if shift <= tolerance { break }
        }
        // With the last centres moved, labels must follow them (unless they already did).
        if !strict { assign(centres, labels: &labels, distances: &distances) }
        var inertia = 0.0
        values.withUnsafeBufferPointer { values in
            for row in 0 ..< n {
                let centre = labels[row] * d
                var sum = 0.0
                for j in 0 ..< d {
                    let difference = values[row * d + j] - centres[centre + j]
                    sum += difference * difference
                }
                inertia += sum
            }
        }
        return Outcome(labels: labels, centres: centres, inertia: inertia, iterations: iterations)
    }

    /// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`).
    func seedCentres(_ generator: inout SplitMix64, control: FitControl) throws(ModelError) -> [Double] {
        var centres = [Double](repeating: 0, count: k * d)
        let trials = 2 + Int(log(Double(k)))
        let first = generator.nextInt(below: n)
        for j in 0 ..< d { centres[j] = values[first * d + j] }
        var closest = squaredDistances(toRows: [first])
        var potential = closest.reduce(0, +)
        var cumulative = [Double](repeating: 0, count: n)
        for c in 1 ..< max(k, 1) {
            try control.checkCancellation()
            var running = 0.0
            for i in 0 ..< n {
                running += closest[i]
                cumulative[i] = running
            }
            // All trials are drawn first, then measured in one pass (as scikit-learn does).
            let candidates = (0 ..< trials).map { _ in
                let target = generator.nextDouble() * potential
                // First row whose cumulative weight reaches the target (searchsorted, left).
                var low = 0, high = n
                while low < high {
                    let middle = (low + high) / 2
                    if cumulative[middle] < target { low = middle + 1 } else { high = middle }
                }
                return min(low, n - 1)
            }
            var distances = squaredDistances(toRows: candidates)
            var bestPotential = Double.infinity
            var bestTrial = 0
            for trial in 0 ..< trials {
                var candidatePotential = 0.0
                for i in 0 ..< n {
                    let distance = min(distances[trial * n + i], closest[i])
                    distances[trial * n + i] = distance
                    candidatePotential += distance
                }
                if candidatePotential < bestPotential {
                    bestPotential = candidatePotential
                    bestTrial = trial
                }
            }
            potential = bestPotential
            closest = Array(distances[(bestTrial * n) ..< ((bestTrial + 1) * n)])
            for j in 0 ..< d { centres[c * d + j] = values[candidates[bestTrial] * d + j] }
        }
        return centres
    }

    /// Squared distances of every row to each of the given rows, `centres.count × n`,
    /// four centres per vector pass over the rows.
    private func squaredDistances(toRows centres: [Int]) -> [Double] {
        var result = [Double](repeating: 0, count: centres.count * n)
        var group = 0
        while group < centres.count {
            let members = Array(centres[group ..< min(centres.count, group + 4)])
            var packed = [Double](repeating: 0, count: d * 4)
            var norms = SIMD4<Double>()
            for (lane, centre) in members.enumerated() {
                for j in 0 ..< d { packed[j * 4 + lane] = values[centre * d + j] }
                norms[lane] = squaredNorms[centre]
            }
            values.withUnsafeBufferPointer { values in
                packed.withUnsafeBufferPointer { packed in
                    result.withUnsafeMutableBufferPointer { result in
                        for row in 0 ..< n {
                            let x = values.baseAddress! + row * d
                            var accumulator = SIMD4<Double>()
                            for j in 0 ..< d {
                                accumulator += SIMD4(repeating: x[j]) * UnsafeRawPointer(packed.baseAddress! + j * 4).loadUnaligned(as: SIMD4<Double>.self)
                            }
                            let distances = norms + SIMD4(repeating: squaredNorms[row]) - 2 * accumulator
                            for lane in 0 ..< members.count { result[(group + lane) * n + row] = max(distances[lane], 0) }
                        }
                    }
                }
            }
            group += 4
        }
        return result
    }

    /// Nearest centre of every row (lowest index on ties) and the squared distance to it.
    /// Centres are laid out feature-major in groups of four so each row's distances to four
    /// centres come from one vector accumulator.
    func assign(_ centres: [Double], labels: inout [Int], distances: inout [Double]) {
        let groups = (k + 3) / 4
        var packed = [Double](repeating: 0, count: groups * d * 4)
        var norms = [Double](repeating: .infinity, count: groups * 4)
        for c in 0 ..< k {
            var norm = 0.0
            for j in 0 ..< d {
                let value = centres[c * d + j]
                packed[((c / 4) * d + j) * 4 + c % 4] = value
                norm += value * value
            }
            norms[c] = norm
        }
        values.withUnsafeBufferPointer { values in
            packed.withUnsafeBufferPointer { packed in
                norms.withUnsafeBufferPointer { norms in
                    labels.withUnsafeMutableBufferPointer { labels in
                        distances.withUnsafeMutableBufferPointer { distances in
                            for row in 0 ..< n {
                                let x = values.baseAddress! + row * d
                                var best = Double.infinity
                                var bestCentre = 0
                                for group in 0 ..< groups {
                                    var accumulator = SIMD4<Double>()
                                    let tile = packed.baseAddress! + group * d * 4
                                    for j in 0 ..< d {
                                        accumulator += SIMD4(repeating: x[j]) * UnsafeRawPointer(tile + j * 4).loadUnaligned(as: SIMD4<Double>.self)
                                    }
                                    let partial = UnsafeRawPointer(norms.baseAddress! + group * 4).loadUnaligned(as: SIMD4<Double>.self) - 2 * accumulator
                                    for lane in 0 ..< 4 where partial[lane] < best {
                                        best = partial[lane]
                                        bestCentre = group * 4 + lane
                                    }
                                }
                                labels[row] = bestCentre
                                distances[row] = max(best + squaredNorms[row], 0)
                            }
                        }
                    }
                }
            }
        }
    }

    /// scikit-learn's rule: each empty cluster takes the row farthest from its centre
    /// (farthest first), which leaves its old cluster.
    private func relocateEmptyClusters(counts: inout [Int], sums: inout [Double], labels: [Int], distances: [Double]) {
        let empty = (0 ..< k).filter { counts[$0] == 0 }
        guard !empty.isEmpty else { return }
        let farthest = (0 ..< n).sorted { distances[$0] > distances[$1] || (distances[$0] == distances[$1] && $0 < $1) }
        for (slot, cluster) in empty.enumerated() where slot < n {
            let row = farthest[slot]
            let old = labels[row]
            guard counts[old] > 1 else { continue }
            counts[old] -= 1
            counts[cluster] = 1
            for j in 0 ..< d {
                sums[old * d + j] -= values[row * d + j]
                sums[cluster * d + j] = values[row * d + j]
            }
        }
    }
}
