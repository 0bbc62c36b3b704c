// ForestBuilder: grows the trees of a random forest in parallel, like scikit-learn's
// `_parallel_build_trees`. Tree t draws its bootstrap sample (n rows with replacement, kept
// as per-row counts used as weights) and its feature draws from `SplitMix64(seed:stream: t)`,
// so a forest depends only on random_state, never on the number of threads or their timing.

import Synchronization

struct ForestBuilder {
    var treeCount: Int
    var bootstrap: Bool
    var parameters: CARTParameters
    var seed: UInt64
    var threadCount: Int?

    func build(columns: TreeFeatureColumns, targets: CARTTargets, control: FitControl) throws(ModelError) -> [CARTTree] {
        let n = columns.rows
        let trees = Mutex<[CARTTree?]>([CARTTree?](repeating: nil, count: treeCount))
        let built = Atomic<Int>(0)
        try TreeParallel.forEach(count: treeCount, threads: threadCount) { (t: Int) throws(ModelError) in
            try control.checkCancellation()
            var random = SplitMix64(seed: seed, stream: UInt64(t))
            var weights = [Double](repeating: bootstrap ? 0 : 1, count: n)
            if bootstrap {
                for _ in 0..<n { weights[random.nextInt(below: n)] += 1 }
            }
            let builder = CARTBuilder(
                columns: columns, targets: targets, weights: weights, parameters: parameters,
                random: ScikitTreeRandom(randomState: UInt32(truncatingIfNeeded: random.next())), control: control
            )
            let tree = try builder.build()
            trees.withLock { $0[t] = tree }
            let done = built.add(1, ordering: .relaxed).newValue
            control.progress(Double(done) / Double(treeCount))
        }
        return trees.withLock { $0.compactMap { $0 } }
    }

    /// scikit-learn's `feature_importances_` of a forest: the mean of the trees' normalised
    /// importances over the trees that split at least once, normalised to sum to 1.
    static func importances(_ trees: [CARTTree], featureCount: Int) -> [Double] {
        var sum = [Double](repeating: 0, count: featureCount)
        let splitting = trees.filter { $0.nodeCount > 1 }
        for tree in splitting {
            for f in 0..<featureCount { sum[f] += tree.importances[f] }
        }
        let total = sum.reduce(0, +)
        if total > 0 {
            for f in 0..<featureCount { sum[f] /= total }
        }
        return sum
    }
}

/// The checks shared by the two forests' configurations.
enum ForestHyperparameters {
    static func validate(estimatorCount: Int, threadCount: Int?) throws(ModelError) {
        try HyperparameterCheck.atLeast(estimatorCount, 1, "n_estimators")
        if let threadCount, threadCount < 1 {
            throw ModelError(.invalidHyperparameter, field: "n_jobs", "n_jobs must be at least 1 or unset (every core), got \(threadCount)")
        }
    }
}
