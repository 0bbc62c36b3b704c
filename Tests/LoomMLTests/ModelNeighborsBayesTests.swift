import Testing
@testable import LoomML

@Suite struct ModelNeighborsBayesTests {
    @Test(arguments: ["gaussian_nb_wine", "gaussian_nb_iris"])
    func gaussianNaiveBayesMatchesScikitLearn(_ name: String) throws {
        let expected = LinearFixture.expected(name)
        let data = try LinearFixture.split(expected.dataset!)
        var model = GaussianNaiveBayes()
        try model.fit(data.train, data.trainLabels, classCount: data.classCount, control: .none)
        let predictions = try model.predict(data.test)
        #expect(predictions == expected.predictions!.map { Int($0) })
        #expect(abs(Agreement.accuracy(predictions, data.testLabels) - expected.accuracy!) <= 0.01)
        #expect(Agreement.largestRelativeDifference(try model.predictProbabilities(data.test), expected.probabilities!) < 1e-6)
        #expect(model.featureImportances == nil)
    }

    @Test func gaussianNaiveBayesNeverPredictsAClassWithoutRows() throws {
        let x = try FeatureMatrixView(values: [0, 0.1, 0.2, 5, 5.1, 5.3], rows: 6, columns: 1)
        var model = GaussianNaiveBayes()
        try model.fit(x, [0, 0, 0, 2, 2, 2], classCount: 3, control: .none)
        let probabilities = try model.predictProbabilities(x)
        for row in 0 ..< 6 { #expect(probabilities[row * 3 + 1] == 0) }
        #expect(try model.predict(x) == [0, 0, 0, 2, 2, 2])
    }

    @Test func gaussianNaiveBayesSurvivesConstantFeatures() throws {
        let x = try FeatureMatrixView(values: [1, 1, 1, 1], rows: 4, columns: 1)
        var model = GaussianNaiveBayes(.init(varSmoothing: 0))
        try model.fit(x, [0, 0, 1, 1], classCount: 2, control: .none)
        #expect(try model.predictProbabilities(x) == [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
        let far = try FeatureMatrixView(values: [3], rows: 1, columns: 1)
        let probabilities = try model.predictProbabilities(far)
        #expect(probabilities.allSatisfy { $0.isFinite })
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-12)
    }

    @Test func kNearestClassifierMatchesScikitLearn() throws {
        let data = try LinearFixture.split("wine_std")
        let cases: [(String, KNearestNeighborsConfiguration)] = [
            ("knn_wine", .init()),
            ("knn_wine_distance_manhattan", .init(neighbors: 7, weights: .distance, metric: .manhattan)),
        ]
        for (name, configuration) in cases {
            let expected = LinearFixture.expected(name)
            var model = KNearestNeighborsClassifier(configuration)
            try model.fit(data.train, data.trainLabels, classCount: 3, control: .none)
            #expect(try model.predict(data.test) == expected.predictions!.map { Int($0) })
            #expect(Agreement.largestRelativeDifference(try model.predictProbabilities(data.test), expected.probabilities!) < 1e-9)
        }
    }

    @Test func kNearestRegressorMatchesScikitLearn() throws {
        let data = try LinearFixture.split("diabetes")
        let cases: [(String, KNearestNeighborsConfiguration)] = [
            ("knn_diabetes", .init(neighbors: 10)),
            ("knn_diabetes_distance", .init(neighbors: 4, weights: .distance, metric: .manhattan)),
        ]
        for (name, configuration) in cases {
            let expected = LinearFixture.expected(name)
            var model = KNearestNeighborsRegressor(configuration)
            try model.fit(data.train, data.yTrain, control: .none)
            let predictions = try model.predict(data.test)
            #expect(Agreement.largestRelativeDifference(predictions, expected.predictions!) < 1e-9)
            #expect(abs(Agreement.r2(predictions, data.yTest) - expected.r2!) <= 0.01)
        }
    }

    /// The blocked search (panels, query groups of four, several training blocks, the
    /// single-precision screen and its exact fallback) against a plain double loop, on
    /// sizes that leave partial panels and groups. Coarse values make exact distance ties
    /// common (the screen cannot decide them); fine values exercise the screen itself.
    @Test(arguments: [(NeighborSearch.Metric.euclidean, true), (.euclidean, false), (.manhattan, true), (.manhattan, false)])
    func blockedSearchEqualsPlainSearch(_ metric: NeighborSearch.Metric, _ coarse: Bool) throws {
        var generator = SplitMix64(seed: 11)
        let rows = 1203, queries = 71, d = 7, k = 6
        func draw() -> Double { coarse ? Double(generator.nextInt(below: 5)) : 100 + generator.nextDouble() * 10 }
        let train = (0 ..< rows * d).map { _ in draw() }
        let test = (0 ..< queries * d).map { _ in draw() }
        let search = NeighborSearch(try FeatureMatrixView(values: train, rows: rows, columns: d), metric: metric)
        let found = search.search(try FeatureMatrixView(values: test, rows: queries, columns: d), k: k)
        for query in 0 ..< queries {
            var all: [(distance: Double, row: Int)] = []
            for row in 0 ..< rows {
                var sum = 0.0
                for j in 0 ..< d {
                    let difference: Double = test[query * d + j] - train[row * d + j]
                    if metric == .euclidean { sum += difference * difference } else { sum += abs(difference) }
                }
                let distance: Double = metric == .euclidean ? sum.squareRoot() : sum
                all.append((distance, row))
            }
            all.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.row < $1.row) }
            let slots = (query * k) ..< ((query + 1) * k)
            let expectedRows: [Int] = all.prefix(k).map { $0.row }
            let expectedDistances: [Double] = all.prefix(k).map { $0.distance }
            #expect(Array(found.indices[slots]) == expectedRows)
            #expect(Array(found.distances[slots]) == expectedDistances)
        }
    }

    @Test func distanceWeightsGiveExactMatchesAllTheWeight() throws {
        let x = try FeatureMatrixView(values: [0, 1, 2, 3], rows: 4, columns: 1)
        var model = KNearestNeighborsRegressor(.init(neighbors: 3, weights: .distance))
        try model.fit(x, [10, 20, 30, 40], control: .none)
        let query = try FeatureMatrixView(values: [1, 1.5], rows: 2, columns: 1)
        let predictions = try model.predict(query)
        #expect(predictions[0] == 20)
        // Neighbours of 1.5: rows 1 and 2 at 0.5 (weight 2 each), row 0 at 1.5 (weight 2/3).
        #expect(abs(predictions[1] - (2 * 20 + 2 * 30 + 10.0 * 2 / 3) / (4 + 2.0 / 3)) < 1e-12)
        // A tie in distance goes to the lower row: 1.5 with k = 1 is row 1.
        var nearest = KNearestNeighborsClassifier(.init(neighbors: 1))
        try nearest.fit(x, [0, 1, 2, 3], classCount: 4, control: .none)
        #expect(try nearest.predict(query) == [1, 1])
    }

    @Test func neighborsAndBayesValidateInput() throws {
        let x = try FeatureMatrixView(values: [0, 1, 2], rows: 3, columns: 1)
        func error(_ body: () throws -> Void) -> ModelError? {
            do {
                try body()
                return nil
            } catch { return error as? ModelError }
        }
        var knn = KNearestNeighborsClassifier(.init(neighbors: 0))
        #expect(error { try knn.fit(x, [0, 1, 1], classCount: 2, control: .none) }?.field == "n_neighbors")
        knn = KNearestNeighborsClassifier(.init(neighbors: 4))
        #expect(error { try knn.fit(x, [0, 1, 1], classCount: 2, control: .none) }?.field == "n_neighbors")
        knn = KNearestNeighborsClassifier(.init(neighbors: 2))
        #expect(error { try knn.fit(x, [0, 1, 2], classCount: 2, control: .none) }?.code == .invalidInput)
        #expect(error { _ = try knn.predict(x) }?.code == .notFitted)
        var regressor = KNearestNeighborsRegressor()
        #expect(error { try regressor.fit(x, [1, 2, 3], control: .none) }?.field == "n_neighbors")
        var bayes = GaussianNaiveBayes(.init(varSmoothing: -1))
        #expect(error { try bayes.fit(x, [0, 1, 1], classCount: 2, control: .none) }?.field == "var_smoothing")
        bayes = GaussianNaiveBayes()
        #expect(error { try bayes.fit(x, [0, 1], classCount: 2, control: .none) }?.code == .invalidInput)
        try bayes.fit(x, [0, 1, 1], classCount: 2, control: .none)
        let wide = try FeatureMatrixView(values: [0, 1], rows: 1, columns: 2)
        #expect(error { _ = try bayes.predict(wide) }?.code == .invalidInput)
        #expect(error { try bayes.fit(x, [0, 1, 1], classCount: 2, control: CancelAfterPolls(after: 0).control) }?.code == .cancelled)
    }
}
