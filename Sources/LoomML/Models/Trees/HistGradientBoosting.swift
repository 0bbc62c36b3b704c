// HistGradientBoosting: the boosting loop shared by the classifier and the regressor, as in
// scikit-learn's BaseHistGradientBoosting.fit: start from the loss's best constant, then each
// iteration computes gradients and hessians of the loss at the current raw predictions and
// fits one histogram tree per output to them. Losses: half squared error (regression),
// binary log-loss (one output), multinomial log-loss with softmax (one output per class).

import Foundation

struct HistGradientBoosting: Sendable {
    enum Loss: Sendable, Equatable {
        case squaredError
        case binaryLogLoss
        case multinomial(classCount: Int)

        var outputCount: Int {
            if case .multinomial(let classCount) = self { return classCount }
            return 1
        }
    }

    let loss: Loss
    let binner: FeatureBinner
    /// The starting raw prediction of each output.
    let baseline: [Double]
    /// trees[iteration][output]
    let trees: [[HistogramTree]]
    let featureCount: Int
    /// Split gain summed per feature, normalised to sum to 1 (LightGBM's "gain" importance).
    let importances: [Double]
    /// Threads for prediction (n_jobs; nil: every core).
    let threadCount: Int?

    var iterationCount: Int { trees.count }

    /// Fits on `targets`: class indices (as doubles) for the log-losses, values otherwise.
    init(
        _ x: FeatureMatrixView, _ targets: [Double], loss: Loss, configuration: HistGradientBoostingConfiguration,
        control: FitControl
    ) throws(ModelError) {
        self.loss = loss
        featureCount = x.columns
        threadCount = configuration.threadCount
        let k = loss.outputCount
        var random = SplitMix64(seed: SplitMix64.seed(from: configuration.randomState))
        let stopEarly = switch configuration.earlyStopping {
        case .on: true
        case .off: false
        case .auto: x.rows > 10_000
        }
        var trainRows = Array(0..<x.rows)
        var validationRows: [Int] = []
        if stopEarly {
            (trainRows, validationRows) = Self.split(
                targets, fraction: configuration.validationFraction, stratified: loss != .squaredError, random: &random
            )
            guard !trainRows.isEmpty, !validationRows.isEmpty else {
                throw ModelError(
                    .invalidInput,
                    "\(x.rows) rows are too few to hold out validation_fraction \(configuration.validationFraction) for early stopping"
                )
            }
        }
        try control.checkCancellation()
        binner = FeatureBinner(
            fitting: x, rows: trainRows, maxBins: configuration.maxBins, threads: configuration.threadCount, random: &random
        )
        let n = trainRows.count
        let binnedTrain = binner.bin(x, rows: trainRows, threads: configuration.threadCount)
        let binnedValidation = binner.bin(x, rows: validationRows, threads: configuration.threadCount)
        let y = trainRows.map { targets[$0] }
        let yValidation = validationRows.map { targets[$0] }
        baseline = Self.baseline(y, loss: loss)

        var raw = [Double](repeating: 0, count: n * k)
        for i in 0..<n { for c in 0..<k { raw[i * k + c] = baseline[c] } }
        var rawValidation = [Double](repeating: 0, count: validationRows.count * k)
        for i in 0..<validationRows.count { for c in 0..<k { rawValidation[i * k + c] = baseline[c] } }
        var scores = stopEarly ? [-Self.meanLoss(rawValidation, yValidation, loss: loss)] : []

        let grower = HistogramTreeGrower(
            binned: binnedTrain, rows: n, binner: binner, constantHessian: loss == .squaredError,
            parameters: HistogramGrowerParameters(
                maxLeafNodes: configuration.maxLeafNodes ?? Int.max,
                maxDepth: configuration.maxDepth ?? Int.max,
                minSamplesLeaf: configuration.minSamplesLeaf,
                l2Regularization: configuration.l2Regularization,
                learningRate: configuration.learningRate,
                threadCount: configuration.threadCount
            )
        )
        // Gradient and hessian of every row for every output: pairs[c * n + i].
        let pairs = UnsafeMutablePointer<SIMD2<Double>>.allocate(capacity: max(n * k, 1))
        defer { pairs.deallocate() }
        var fitted: [[HistogramTree]] = []
        for iteration in 0..<configuration.maxIter {
            try control.checkCancellation()
            Self.gradients(raw, y, loss: loss, into: pairs, threads: grower.threads)
            var iterationTrees: [HistogramTree] = []
            for c in 0..<k {
                let tree = try grower.grow(pairs: pairs + c * n, raw: &raw, stride: k, offset: c, control: control)
                iterationTrees.append(tree)
            }
            fitted.append(iterationTrees)
            control.progress(Double(iteration + 1) / Double(configuration.maxIter))
            if stopEarly {
                Self.add(iterationTrees, binned: binnedValidation, rows: validationRows.count, to: &rawValidation, threads: grower.threads)
                scores.append(-Self.meanLoss(rawValidation, yValidation, loss: loss))
                if Self.shouldStop(scores, iterationsWithoutChange: configuration.nIterNoChange, tol: configuration.tol) {
                    break
                }
            }
        }
        trees = fitted
        var gains = grower.gains
        let total = gains.reduce(0, +)
        if total > 0 { for f in gains.indices { gains[f] /= total } }
        importances = gains
        control.progress(1)
    }

    /// Rows below which prediction runs on one core.
    private static let parallelPredictionRows = 4_096
    /// Rows predicted together, tree after tree: their features (about 80 KB at 20 features)
    /// stay in the L2 cache while every tree walks them.
    private static let predictionBatchRows = 512

    /// Row-major `rows × outputs` raw predictions (before the sigmoid or softmax). Rows are
    /// independent, so batches of them run on every core. Each row's sum starts from the
    /// baseline and adds the trees in order, whatever the batching.
    func rawPredictions(_ x: FeatureMatrixView) -> [Double] {
        let k = loss.outputCount
        var raw = [Double](repeating: 0, count: x.rows * k)
        let batch = Self.predictionBatchRows
        let threads = x.rows >= Self.parallelPredictionRows ? threadCount : 1
        raw.withUnsafeMutableBufferPointer { raw in
            let raw = raw.baseAddress!
            x.values.withUnsafeBufferPointer { values in
                TreeParallel.forEach(count: (x.rows + batch - 1) / batch, threads: threads) { b in
                    let rows = (b * batch)..<min(x.rows, (b + 1) * batch)
                    for i in rows { for c in 0..<k { raw[i * k + c] = baseline[c] } }
                    for iteration in trees {
                        for c in 0..<k {
                            iteration[c].add(rows: rows, of: values.baseAddress!, columns: x.columns, to: raw, stride: k, offset: c)
                        }
                    }
                }
            }
        }
        return raw
    }

    /// Adds one iteration's trees (one per output) to the raw predictions of `rows`
    /// column-major binned rows (the validation rows), by blocks of rows on every core.
    private static func add(_ trees: [HistogramTree], binned: [UInt8], rows: Int, to raw: inout [Double], threads: Int) {
        guard rows > 0 else { return }
        let k = trees.count
        let blocks = rows >= parallelPredictionRows ? threads : 1
        raw.withUnsafeMutableBufferPointer { raw in
            let raw = raw.baseAddress!
            binned.withUnsafeBufferPointer { binned in
                TreeParallel.forEach(count: blocks, threads: blocks) { block in
                    let range = (rows * block / blocks)..<(rows * (block + 1) / blocks)
                    for c in 0..<k {
                        trees[c].addBinned(rows: range, of: binned.baseAddress!, rowCount: rows, to: raw, stride: k, offset: c)
                    }
                }
            }
        }
    }

    /// scikit-learn's `_should_stop`: stop when none of the last `iterationsWithoutChange`
    /// scores beats the score before them by more than `tol`.
    static func shouldStop(_ scores: [Double], iterationsWithoutChange: Int, tol: Double) -> Bool {
        let reference = iterationsWithoutChange + 1
        guard scores.count >= reference else { return false }
        let referenceScore = scores[scores.count - reference] + tol
        return !scores.suffix(iterationsWithoutChange).contains { $0 > referenceScore }
    }

    /// A random hold-out of `fraction` of the rows (at least one), per class when stratified.
    private static func split(
        _ targets: [Double], fraction: Double, stratified: Bool, random: inout SplitMix64
    ) -> (train: [Int], validation: [Int]) {
        var groups: [[Int]]
        if stratified {
            var byClass: [Int: [Int]] = [:]
            for (i, target) in targets.enumerated() { byClass[Int(target), default: []].append(i) }
            groups = byClass.keys.sorted().map { byClass[$0]! }
        } else {
            groups = [Array(targets.indices)]
        }
        var train: [Int] = [], validation: [Int] = []
        for var group in groups {
            for i in stride(from: group.count - 1, to: 0, by: -1) { group.swapAt(i, random.nextInt(below: i + 1)) }
            let held = min(group.count, Int((Double(group.count) * fraction).rounded(.up)))
            validation.append(contentsOf: group[0..<held])
            train.append(contentsOf: group[held...])
        }
        train.sort()
        validation.sort()
        return (train, validation)
    }

    private static let probabilityEpsilon = Double.ulpOfOne

    /// The best constant raw prediction: the mean, the log-odds, or centred log-priors.
    private static func baseline(_ y: [Double], loss: Loss) -> [Double] {
        let n = Double(y.count)
        switch loss {
        case .squaredError:
            return [y.reduce(0, +) / n]
        case .binaryLogLoss:
            let p = min(max(y.reduce(0, +) / n, probabilityEpsilon), 1 - probabilityEpsilon)
            return [log(p / (1 - p))]
        case .multinomial(let classCount):
            var counts = [Double](repeating: 0, count: classCount)
            for target in y { counts[Int(target)] += 1 }
            let logs = counts.map { log(min(max($0 / n, probabilityEpsilon), 1 - probabilityEpsilon)) }
            let mean = logs.reduce(0, +) / Double(classCount)
            return logs.map { $0 - mean }
        }
    }

    /// Rows below which the gradients are computed on one core.
    private static let parallelGradientRows = 8_192

    /// Each row's gradient and hessian of the loss at `raw`, for every output, into
    /// `pairs[c * n + i]`; the squared error's hessian is 1. Rows are independent, so blocks
    /// of them run on every core.
    private static func gradients(
        _ raw: [Double], _ y: [Double], loss: Loss, into pairs: UnsafeMutablePointer<SIMD2<Double>>, threads: Int
    ) {
        let n = y.count
        let blocks = n >= parallelGradientRows ? threads : 1
        TreeParallel.forEach(count: blocks, threads: blocks) { block in
            let rows = (n * block / blocks)..<(n * (block + 1) / blocks)
            switch loss {
            case .squaredError:
                for i in rows { pairs[i] = SIMD2(raw[i] - y[i], 1) }
            case .binaryLogLoss:
                for i in rows {
                    let p = sigmoid(raw[i])
                    pairs[i] = SIMD2(p - y[i], p * (1 - p))
                }
            case .multinomial(let k):
                var probabilities = [Double](repeating: 0, count: k)
                for i in rows {
                    softmax(raw, row: i, width: k, into: &probabilities)
                    let target = Int(y[i])
                    for c in 0..<k {
                        let p = probabilities[c]
                        pairs[c * n + i] = SIMD2(p - (c == target ? 1 : 0), p * (1 - p))
                    }
                }
            }
        }
    }

    /// The mean loss as scikit-learn reports it (half squared error, log-loss).
    static func meanLoss(_ raw: [Double], _ y: [Double], loss: Loss) -> Double {
        guard !y.isEmpty else { return 0 }
        var sum = 0.0
        switch loss {
        case .squaredError:
            for i in y.indices { sum += 0.5 * (raw[i] - y[i]) * (raw[i] - y[i]) }
        case .binaryLogLoss:
            // log(1 + e^r) − y·r, computed without overflow.
            for i in y.indices {
                let r = raw[i]
                sum += max(r, 0) + log1p(exp(-abs(r))) - y[i] * r
            }
        case .multinomial(let k):
            for i in y.indices {
                var largest = -Double.infinity
                for c in 0..<k { largest = max(largest, raw[i * k + c]) }
                var total = 0.0
                for c in 0..<k { total += exp(raw[i * k + c] - largest) }
                sum += largest + log(total) - raw[i * k + Int(y[i])]
            }
        }
        return sum / Double(y.count)
    }

    static func sigmoid(_ r: Double) -> Double {
        r >= 0 ? 1 / (1 + exp(-r)) : exp(r) / (1 + exp(r))
    }

    static func softmax(_ raw: [Double], row i: Int, width k: Int, into output: inout [Double]) {
        var largest = -Double.infinity
        for c in 0..<k { largest = max(largest, raw[i * k + c]) }
        var total = 0.0
        for c in 0..<k {
            output[c] = exp(raw[i * k + c] - largest)
            total += output[c]
        }
        for c in 0..<k { output[c] /= total }
    }
}
