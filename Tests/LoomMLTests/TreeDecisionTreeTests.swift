import LoomML
import Testing

@Suite struct TreeDecisionTreeTests {
    @Test(arguments: [DecisionTreeClassifier.Criterion.gini, .entropy])
    func fullyGrownClassifierReproducesScikitLearn(criterion: DecisionTreeClassifier.Criterion) throws {
        let data = try TreeDataset.classification()
        var model = DecisionTreeClassifier(.init(criterion: criterion, randomState: 0))
        try model.fit(data.train, data.trainClasses, classCount: 3, control: .none)
        let gini = criterion == .gini
        let expectedTrain = TreeFixtures.numbers(gini ? TreeFixtures.dtGiniTrainPred : TreeFixtures.dtEntropyTrainPred).map { Int($0) }
        let expectedTest = TreeFixtures.numbers(gini ? TreeFixtures.dtGiniTestPred : TreeFixtures.dtEntropyTestPred).map { Int($0) }
        #expect(try model.predict(data.train) == expectedTrain)
        #expect(try model.predict(data.train) == data.trainClasses)
        let predicted = try model.predict(data.test)
        #expect(predicted == expectedTest)
        #expect(TreeScores.accuracy(predicted, data.testClasses) == (gini ? TreeFixtures.dtGiniAcc : TreeFixtures.dtEntropyAcc))
        #expect(model.nodeCount == (gini ? TreeFixtures.dtGiniNodes : TreeFixtures.dtEntropyNodes))
        let importances = try #require(model.featureImportances)
        let expectedImportances = TreeFixtures.numbers(gini ? TreeFixtures.dtGiniImp : TreeFixtures.dtEntropyImp)
        for (ours, theirs) in zip(importances, expectedImportances) { #expect(abs(ours - theirs) < 1e-9) }
    }

    @Test func shallowClassifierProbabilitiesMatchScikitLearn() throws {
        let data = try TreeDataset.classification()
        var model = DecisionTreeClassifier(.init(maxDepth: 3, randomState: 0))
        try model.fit(data.train, data.trainClasses, classCount: 3, control: .none)
        let probabilities = try model.predictProbabilities(data.test)
        let expected = TreeFixtures.numbers(TreeFixtures.dtD3Proba)
        #expect(probabilities.count == expected.count)
        for (ours, theirs) in zip(probabilities, expected) { #expect(abs(ours - theirs) < 1e-12) }
        let importances = try #require(model.featureImportances)
        for (ours, theirs) in zip(importances, TreeFixtures.numbers(TreeFixtures.dtD3Imp)) { #expect(abs(ours - theirs) < 1e-9) }
    }

    @Test func fullyGrownRegressorReproducesScikitLearn() throws {
        let data = try TreeDataset.regression()
        var model = DecisionTreeRegressor(.init(randomState: 0))
        try model.fit(data.train, data.trainY, control: .none)
        #expect(try model.predict(data.train) == data.trainY)
        #expect(model.nodeCount == TreeFixtures.dtrNodes)
        // Leaves of two or three rows can be split equally well on several features; the sum
        // order inside scikit-learn's criterion decides those near-ties, so a few test rows
        // may land in a different leaf. Most must agree, and the score must stay close.
        let predicted = try model.predict(data.test)
        let expected = TreeFixtures.numbers(TreeFixtures.dtrTestPred)
        let agreeing = zip(predicted, expected).filter { abs($0 - $1) < 1e-9 }.count
        #expect(agreeing >= 72, "\(agreeing) of 80 test predictions agree with scikit-learn")
        #expect(abs(TreeScores.r2(predicted, data.testY) - TreeScores.r2(expected, data.testY)) < 0.05)
        let importances = try #require(model.featureImportances)
        for (ours, theirs) in zip(importances, TreeFixtures.numbers(TreeFixtures.dtrImp)) { #expect(abs(ours - theirs) < 0.01) }
    }

    @Test func limitedRegressorMatchesScikitLearn() throws {
        let data = try TreeDataset.regression()
        var model = DecisionTreeRegressor(.init(maxDepth: 4, minSamplesLeaf: 5, randomState: 0))
        try model.fit(data.train, data.trainY, control: .none)
        let predicted = try model.predict(data.test)
        for (ours, theirs) in zip(predicted, TreeFixtures.numbers(TreeFixtures.dtrD4Pred)) { #expect(abs(ours - theirs) < 1e-9) }
        let importances = try #require(model.featureImportances)
        for (ours, theirs) in zip(importances, TreeFixtures.numbers(TreeFixtures.dtrD4Imp)) { #expect(abs(ours - theirs) < 1e-9) }
    }

    @Test func featureSubsamplingIsDeterministicPerSeed() throws {
        let data = try TreeDataset.classification()
        func fit(_ seed: Int) throws -> [Double] {
            var model = DecisionTreeClassifier(.init(maxFeatures: .sqrt, randomState: seed))
            try model.fit(data.train, data.trainClasses, classCount: 3, control: .none)
            return try model.predictProbabilities(data.test)
        }
        #expect(try fit(3) == fit(3))
    }

    @Test func singleLeafTreeHasZeroImportances() throws {
        let x = try FeatureMatrixView(values: [1, 2, 3, 4], rows: 4, columns: 1)
        var model = DecisionTreeRegressor()
        try model.fit(x, [5, 5, 5, 5], control: .none)
        #expect(model.nodeCount == 1)
        #expect(model.featureImportances == [0])
        #expect(try model.predict(x) == [5, 5, 5, 5])
    }

    @Test(arguments: [
        (DecisionTreeClassifier.Configuration(maxDepth: 0), "max_depth"),
        (DecisionTreeClassifier.Configuration(minSamplesSplit: 1), "min_samples_split"),
        (DecisionTreeClassifier.Configuration(minSamplesLeaf: 0), "min_samples_leaf"),
        (DecisionTreeClassifier.Configuration(maxFeatures: .count(0)), "max_features"),
        (DecisionTreeClassifier.Configuration(maxFeatures: .fraction(1.5)), "max_features"),
        (DecisionTreeClassifier.Configuration(randomState: -1), "random_state"),
    ])
    func invalidHyperparametersNameTheirField(configuration: DecisionTreeClassifier.Configuration, field: String) throws {
        let error = #expect(throws: ModelError.self) { try configuration.validate() }
        #expect(error?.code == .invalidHyperparameter)
        #expect(error?.field == field)
        let data = try TreeDataset.classification()
        var model = DecisionTreeClassifier(configuration)
        let fitError = #expect(throws: ModelError.self) { try model.fit(data.train, data.trainClasses, classCount: 3, control: .none) }
        #expect(fitError?.field == field)
    }

    @Test func maxFeaturesAboveTheFeatureCountIsRejectedAtFit() throws {
        let data = try TreeDataset.regression()
        var model = DecisionTreeRegressor(.init(maxFeatures: .count(6)))
        let error = #expect(throws: ModelError.self) { try model.fit(data.train, data.trainY, control: .none) }
        #expect(error?.field == "max_features")
        #expect(throws: ModelError.self) { try DecisionTreeRegressor.Configuration(maxDepth: -3).validate() }
    }

    @Test func badInputThrows() throws {
        let x = try FeatureMatrixView(values: [0, 1, 2, 3], rows: 2, columns: 2)
        var classifier = DecisionTreeClassifier()
        #expect(throws: ModelError.self) { try classifier.predict(x) }
        let mismatch = #expect(throws: ModelError.self) { try classifier.fit(x, [0], classCount: 2, control: .none) }
        #expect(mismatch?.code == .invalidInput)
        #expect(throws: ModelError.self) { try classifier.fit(x, [0, 2], classCount: 2, control: .none) }
        #expect(throws: ModelError.self) { try classifier.fit(x, [0, -1], classCount: 2, control: .none) }
        #expect(throws: ModelError.self) { try classifier.fit(x, [0, 1], classCount: 1 << 40, control: .none) }
        let huge = try FeatureMatrixView(values: [0, 1e300, 2, 3], rows: 2, columns: 2)
        #expect(throws: ModelError.self) { try classifier.fit(huge, [0, 1], classCount: 2, control: .none) }
        let empty = try FeatureMatrixView(values: [], rows: 0, columns: 2)
        #expect(throws: ModelError.self) { try classifier.fit(empty, [], classCount: 2, control: .none) }
        try classifier.fit(x, [0, 1], classCount: 2, control: .none)
        let wrongWidth = try FeatureMatrixView(values: [0, 1, 2], rows: 1, columns: 3)
        let widthError = #expect(throws: ModelError.self) { try classifier.predict(wrongWidth) }
        #expect(widthError?.code == .invalidInput)
        var regressor = DecisionTreeRegressor()
        let notFitted = #expect(throws: ModelError.self) { try regressor.predict(x) }
        #expect(notFitted?.code == .notFitted)
        #expect(throws: ModelError.self) { try regressor.fit(x, [1, .nan], control: .none) }
    }

    @Test func cancellationStopsTheFit() throws {
        let data = try TreeDataset.regression()
        let cancel = CancelAfterPolls(after: 3)
        var model = DecisionTreeRegressor()
        let error = #expect(throws: ModelError.self) { try model.fit(data.train, data.trainY, control: cancel.control) }
        #expect(error?.code == .cancelled)
        #expect(cancel.pollCount == 4)
        #expect(model.nodeCount == nil)
    }
}
