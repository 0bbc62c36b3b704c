import Foundation
import LoomML
import Testing

@Suite struct TreeGradientBoostingTests {
    @Test func multiclassScoresLikeScikitLearn() throws {
        let data = try TreeDataset.largerClassification()
        var model = HistGradientBoostingClassifier(.init(randomState: 0))
        try model.fit(data.train, data.trainClasses, classCount: 3, control: .none)
        #expect(model.iterationCount == 100)
        let predicted = try model.predict(data.test)
        let accuracy = TreeScores.accuracy(predicted, data.testClasses)
        #expect(abs(accuracy - TreeFixtures.hgbAcc) <= 0.03, "accuracy \(accuracy)")
        let f1 = TreeScores.macroF1(predicted, data.testClasses, classCount: 3)
        #expect(abs(f1 - TreeFixtures.hgbF1) <= 0.03, "macro F1 \(f1)")
        let probabilities = try model.predictProbabilities(data.test)
        for i in 0..<data.test.rows { #expect(abs(probabilities[(3 * i)..<(3 * i + 3)].reduce(0, +) - 1) < 1e-9) }
        let importances = try #require(model.featureImportances)
        #expect(abs(importances.reduce(0, +) - 1) < 1e-9)
    }

    @Test func binaryProbabilitiesFollowScikitLearn() throws {
        let data = try TreeDataset.largerClassification()
        let train = data.trainClasses.map { $0 == 1 ? 1 : 0 }
        let test = data.testClasses.map { $0 == 1 ? 1 : 0 }
        var model = HistGradientBoostingClassifier(.init(randomState: 0))
        try model.fit(data.train, train, classCount: 2, control: .none)
        let accuracy = TreeScores.accuracy(try model.predict(data.test), test)
        #expect(abs(accuracy - TreeFixtures.hgbBinAcc) <= 0.03, "accuracy \(accuracy)")
        let probabilities = try model.predictProbabilities(data.test)
        let expected = TreeFixtures.numbers(TreeFixtures.hgbBinProba)
        let meanDifference = (0..<data.test.rows).map { abs(probabilities[2 * $0 + 1] - expected[$0]) }.reduce(0, +)
            / Double(data.test.rows)
        #expect(meanDifference < 0.03, "mean |p − p_sklearn| \(meanDifference)")
    }

    @Test func regressorScoresLikeScikitLearn() throws {
        let data = try TreeDataset.largerRegression()
        var model = HistGradientBoostingRegressor(.init(randomState: 0))
        try model.fit(data.train, data.trainY, control: .none)
        let predicted = try model.predict(data.test)
        let r2 = TreeScores.r2(predicted, data.testY)
        #expect(abs(r2 - TreeFixtures.hgbrR2) <= 0.03, "R² \(r2)")
        #expect(abs(TreeScores.r2(predicted, TreeFixtures.numbers(TreeFixtures.hgbrPred)) - 1) < 0.05)
    }

    /// 20,000 rows: enough for every parallel path (binning, gradients, histograms,
    /// partitions, prediction) to split its work.
    static func wideData(classes: Int?) throws -> (x: FeatureMatrixView, y: [Double]) {
        var random = SplitMix64(seed: 11)
        let rows = 20_000, columns = 6
        let values = (0..<(rows * columns)).map { _ in Double(random.nextInt(below: 100_001)) / 1_000 - 50 }
        let y = (0..<rows).map { i -> Double in
            let row = values[(i * columns)..<((i + 1) * columns)].map { $0 }
            let signal = row[0] * row[1] / 50 + 20 * sin(row[2] / 10) + row[3] + Double(random.nextInt(below: 1_001)) / 100
            guard let classes else { return signal }
            return Double(min(classes - 1, max(0, Int((signal + 60) / 120 * Double(classes)))))
        }
        return (try FeatureMatrixView(values: values, rows: rows, columns: columns), y)
    }

    @Test(arguments: [nil, 2, 3])
    func theNumberOfThreadsDoesNotChangeTheFit(classes: Int?) throws {
        let (x, y) = try Self.wideData(classes: classes)
        func configuration(_ threads: Int) -> HistGradientBoostingConfiguration {
            HistGradientBoostingConfiguration(maxIter: 8, earlyStopping: .on, randomState: 5, threadCount: threads)
        }
        if let classes {
            var one = HistGradientBoostingClassifier(configuration(1)), two = HistGradientBoostingClassifier(configuration(2))
            try one.fit(x, y.map { Int($0) }, classCount: classes, control: .none)
            try two.fit(x, y.map { Int($0) }, classCount: classes, control: .none)
            #expect(try one.predictProbabilities(x) == two.predictProbabilities(x))
            #expect(one.featureImportances == two.featureImportances)
        } else {
            var one = HistGradientBoostingRegressor(configuration(1)), two = HistGradientBoostingRegressor(configuration(2))
            try one.fit(x, y, control: .none)
            try two.fit(x, y, control: .none)
            #expect(try one.predict(x) == two.predict(x))
            #expect(one.featureImportances == two.featureImportances)
            let r2 = TreeScores.r2(try two.predict(x), y)
            #expect(r2 > 0.5, "R² \(r2) after 8 iterations")
        }
    }

    @Test func earlyStoppingStopsWhenTheValidationLossStalls() throws {
        let data = try TreeDataset.largerRegression()
        let configuration = HistGradientBoostingConfiguration(learningRate: 0.5, maxIter: 300, earlyStopping: .on, randomState: 3)
        var model = HistGradientBoostingRegressor(configuration)
        try model.fit(data.train, data.trainY, control: .none)
        let iterations = try #require(model.iterationCount)
        #expect(iterations < 300)
        var again = HistGradientBoostingRegressor(configuration)
        try again.fit(data.train, data.trainY, control: .none)
        #expect(again.iterationCount == iterations)
        #expect(try again.predict(data.test) == model.predict(data.test))
    }

    @Test func depthAndLeafLimitsShapeTheTrees() throws {
        let data = try TreeDataset.largerRegression()
        var stumps = HistGradientBoostingRegressor(.init(maxIter: 20, maxDepth: 1))
        try stumps.fit(data.train, data.trainY, control: .none)
        var twoLeaves = HistGradientBoostingRegressor(.init(maxIter: 20, maxLeafNodes: 2))
        try twoLeaves.fit(data.train, data.trainY, control: .none)
        // A depth-1 tree and a two-leaf tree are the same best stump.
        #expect(try stumps.predict(data.test) == twoLeaves.predict(data.test))
    }

    @Test(arguments: [
        (HistGradientBoostingConfiguration(learningRate: 0), "learning_rate"),
        (HistGradientBoostingConfiguration(maxIter: 0), "max_iter"),
        (HistGradientBoostingConfiguration(maxLeafNodes: 1), "max_leaf_nodes"),
        (HistGradientBoostingConfiguration(maxDepth: 0), "max_depth"),
        (HistGradientBoostingConfiguration(minSamplesLeaf: 0), "min_samples_leaf"),
        (HistGradientBoostingConfiguration(l2Regularization: -1), "l2_regularization"),
        (HistGradientBoostingConfiguration(maxBins: 256), "max_bins"),
        (HistGradientBoostingConfiguration(validationFraction: 1), "validation_fraction"),
        (HistGradientBoostingConfiguration(nIterNoChange: 0), "n_iter_no_change"),
        (HistGradientBoostingConfiguration(tol: -1), "tol"),
        (HistGradientBoostingConfiguration(randomState: -1), "random_state"),
        (HistGradientBoostingConfiguration(threadCount: 0), "n_jobs"),
    ])
    func invalidHyperparametersNameTheirField(configuration: HistGradientBoostingConfiguration, field: String) throws {
        let error = #expect(throws: ModelError.self) { try configuration.validate() }
        #expect(error?.code == .invalidHyperparameter)
        #expect(error?.field == field)
        let data = try TreeDataset.regression()
        var model = HistGradientBoostingRegressor(configuration)
        let fitError = #expect(throws: ModelError.self) { try model.fit(data.train, data.trainY, control: .none) }
        #expect(fitError?.field == field)
    }

    @Test func badInputThrows() throws {
        let x = try FeatureMatrixView(values: [0, 1, 2, 3], rows: 2, columns: 2)
        var classifier = HistGradientBoostingClassifier()
        #expect(throws: ModelError.self) { try classifier.predict(x) }
        #expect(throws: ModelError.self) { try classifier.fit(x, [0, 0], classCount: 1, control: .none) }
        #expect(throws: ModelError.self) { try classifier.fit(x, [0, 5], classCount: 2, control: .none) }
        var regressor = HistGradientBoostingRegressor()
        #expect(throws: ModelError.self) { try regressor.fit(x, [1], control: .none) }
        try regressor.fit(x, [1, 2], control: .none)
        let wide = try FeatureMatrixView(values: [0, 1, 2], rows: 1, columns: 3)
        let error = #expect(throws: ModelError.self) { try regressor.predict(wide) }
        #expect(error?.code == .invalidInput)
    }

    @Test func cancellationStopsTheFit() throws {
        let data = try TreeDataset.largerClassification()
        let cancel = CancelAfterPolls(after: 10)
        var model = HistGradientBoostingClassifier(.init(maxIter: 1_000))
        let error = #expect(throws: ModelError.self) {
            try model.fit(data.train, data.trainClasses, classCount: 3, control: cancel.control)
        }
        #expect(error?.code == .cancelled)
        #expect(cancel.pollCount == 11)
        #expect(model.iterationCount == nil)
    }
}
