import LoomML
import Testing

@Suite struct TreeRandomForestTests {
    @Test func classifierScoresLikeScikitLearn() throws {
        let data = try TreeDataset.largerClassification()
        var model = RandomForestClassifier(.init(randomState: 0))
        try model.fit(data.train, data.trainClasses, classCount: 3, control: .none)
        let predicted = try model.predict(data.test)
        let accuracy = TreeScores.accuracy(predicted, data.testClasses)
        let f1 = TreeScores.macroF1(predicted, data.testClasses, classCount: 3)
        #expect(abs(accuracy - TreeScores.mean(TreeFixtures.numbers(TreeFixtures.rfAcc))) <= 0.03, "accuracy \(accuracy)")
        #expect(abs(f1 - TreeScores.mean(TreeFixtures.numbers(TreeFixtures.rfF1))) <= 0.03, "macro F1 \(f1)")

        let probabilities = try model.predictProbabilities(data.test)
        for i in 0..<data.test.rows {
            #expect(abs(probabilities[(3 * i)..<(3 * i + 3)].reduce(0, +) - 1) < 1e-9)
        }
        let importances = try #require(model.featureImportances)
        #expect(abs(importances.reduce(0, +) - 1) < 1e-9)
        #expect(importances.allSatisfy { $0 >= 0 })
    }

    @Test func regressorScoresLikeScikitLearn() throws {
        let data = try TreeDataset.largerRegression()
        var model = RandomForestRegressor(.init(estimatorCount: 50, randomState: 0))
        try model.fit(data.train, data.trainY, control: .none)
        let r2 = TreeScores.r2(try model.predict(data.test), data.testY)
        #expect(abs(r2 - TreeScores.mean(TreeFixtures.numbers(TreeFixtures.rfrR2))) <= 0.03, "R² \(r2)")
        let importances = try #require(model.featureImportances)
        #expect(abs(importances.reduce(0, +) - 1) < 1e-9)
    }

    @Test func sameSeedGivesTheSameForestOnOneOrTwoThreads() throws {
        let data = try TreeDataset.classification()
        func probabilities(threads: Int) throws -> [Double] {
            var model = RandomForestClassifier(.init(estimatorCount: 12, randomState: 5, threadCount: threads))
            try model.fit(data.train, data.trainClasses, classCount: 3, control: .none)
            return try model.predictProbabilities(data.test)
        }
        let single = try probabilities(threads: 1)
        #expect(try probabilities(threads: 2) == single)
        #expect(try probabilities(threads: 2) == single)

        func predictions(threads: Int) throws -> [Double] {
            var model = RandomForestRegressor(.init(estimatorCount: 12, maxFeatures: .sqrt, randomState: 9, threadCount: threads))
            try model.fit(data.train, data.trainY, control: .none)
            return try model.predict(data.test)
        }
        #expect(try predictions(threads: 1) == predictions(threads: 2))
    }

    @Test func withoutBootstrapEveryTreeSeesEveryRow() throws {
        let data = try TreeDataset.regression()
        var model = RandomForestRegressor(.init(estimatorCount: 5, bootstrap: false, randomState: 1))
        try model.fit(data.train, data.trainY, control: .none)
        // Fully grown trees on all rows reproduce every training target.
        let predicted = try model.predict(data.train)
        for (ours, target) in zip(predicted, data.trainY) { #expect(abs(ours - target) < 1e-9) }
    }

    @Test(arguments: [
        (RandomForestClassifier.Configuration(estimatorCount: 0), "n_estimators"),
        (RandomForestClassifier.Configuration(threadCount: 0), "n_jobs"),
        (RandomForestClassifier.Configuration(maxDepth: 0), "max_depth"),
        (RandomForestClassifier.Configuration(minSamplesLeaf: 0), "min_samples_leaf"),
        (RandomForestClassifier.Configuration(maxFeatures: .fraction(0)), "max_features"),
        (RandomForestClassifier.Configuration(randomState: -5), "random_state"),
    ])
    func invalidHyperparametersNameTheirField(configuration: RandomForestClassifier.Configuration, field: String) {
        let error = #expect(throws: ModelError.self) { try configuration.validate() }
        #expect(error?.code == .invalidHyperparameter)
        #expect(error?.field == field)
    }

    @Test func regressorConfigurationIsValidated() throws {
        let error = #expect(throws: ModelError.self) {
            try RandomForestRegressor.Configuration(minSamplesSplit: 0).validate()
        }
        #expect(error?.field == "min_samples_split")
        var model = RandomForestRegressor(.init(estimatorCount: -1))
        let data = try TreeDataset.regression()
        let fitError = #expect(throws: ModelError.self) { try model.fit(data.train, data.trainY, control: .none) }
        #expect(fitError?.field == "n_estimators")
    }

    @Test func badInputThrows() throws {
        let x = try FeatureMatrixView(values: [0, 1, 2, 3], rows: 2, columns: 2)
        var model = RandomForestClassifier(.init(estimatorCount: 3))
        let notFitted = #expect(throws: ModelError.self) { try model.predictProbabilities(x) }
        #expect(notFitted?.code == .notFitted)
        #expect(throws: ModelError.self) { try model.fit(x, [0, 3], classCount: 2, control: .none) }
        #expect(throws: ModelError.self) { try model.fit(x, [0, 1, 1], classCount: 2, control: .none) }
    }

    @Test func cancellationStopsTheFit() throws {
        let data = try TreeDataset.largerClassification()
        let cancel = CancelAfterPolls(after: 5)
        var model = RandomForestClassifier(.init(estimatorCount: 200, randomState: 0, threadCount: 2))
        let error = #expect(throws: ModelError.self) {
            try model.fit(data.train, data.trainClasses, classCount: 3, control: cancel.control)
        }
        #expect(error?.code == .cancelled)
        #expect(cancel.pollCount < 20)
        #expect(model.featureImportances == nil)
    }
}
