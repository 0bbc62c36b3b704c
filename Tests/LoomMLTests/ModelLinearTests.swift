import Foundation
import Synchronization
import Testing
@testable import LoomML

/// scikit-learn's answers on bundled datasets (Fixtures/make_linear_models.py regenerates them).
struct LinearFixture: Decodable, Sendable {
    struct Dataset: Decodable, Sendable {
        var xTrain: [Double]?
        var yTrain: [Double]?
        var xTest: [Double]?
        var yTest: [Double]?
        var x: [Double]?
        var columns: Int
    }

    struct Expected: Decodable, Sendable {
        var dataset: String?
        var accuracy: Double?
        var r2: Double?
        var predictions: [Double]?
        var probabilities: [Double]?
        var coef: [Double]?
        var intercept: [Double]?
        var tightCoef: [Double]?
        var tightIntercept: [Double]?
        var k: Int?
        var inertia: Double?
        var eps: Double?
        var minSamples: Int?
        var labels: [Int]?
    }

    var sklearn: String
    var datasets: [String: Dataset]
    var expected: [String: Expected]

    static let shared: LinearFixture = {
        let url = Bundle.module.url(forResource: "linear_models", withExtension: "json", subdirectory: "Fixtures")!
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode(LinearFixture.self, from: Data(contentsOf: url))
    }()

    struct Split {
        var train: FeatureMatrixView
        var test: FeatureMatrixView
        var yTrain: [Double]
        var yTest: [Double]
        var trainLabels: [Int] { yTrain.map { Int($0) } }
        var testLabels: [Int] { yTest.map { Int($0) } }
        var classCount: Int { (trainLabels.max() ?? 0) + 1 }
    }

    static func split(_ name: String) throws -> Split {
        let data = shared.datasets[name]!
        let c = data.columns
        return Split(
            train: try FeatureMatrixView(values: data.xTrain!, rows: data.xTrain!.count / c, columns: c),
            test: try FeatureMatrixView(values: data.xTest!, rows: data.xTest!.count / c, columns: c),
            yTrain: data.yTrain!, yTest: data.yTest!
        )
    }

    static func points(_ name: String) throws -> FeatureMatrixView {
        let data = shared.datasets[name]!
        return try FeatureMatrixView(values: data.x!, rows: data.x!.count / data.columns, columns: data.columns)
    }

    static func expected(_ name: String) -> Expected { shared.expected[name]! }
}

enum Agreement {
    static func accuracy(_ predicted: [Int], _ truth: [Int]) -> Double {
        Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
    }

    static func r2(_ predicted: [Double], _ truth: [Double]) -> Double {
        let mean = truth.reduce(0, +) / Double(truth.count)
        let residual = zip(predicted, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let total = truth.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return 1 - residual / total
    }

    /// Largest |a − b| / max(1, |b|).
    static func largestRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "\(a.count) values against \(b.count)")
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(1, abs($1.1))) }
    }
}


@Suite struct ModelLinearTests {
    @Test(arguments: ["logistic_iris", "logistic_wine_c01", "logistic_cancer"])
    func logisticRegressionMatchesScikitLearn(_ name: String) throws {
        let expected = LinearFixture.expected(name)
        let data = try LinearFixture.split(expected.dataset!)
        let C = name == "logistic_wine_c01" ? 0.1 : 1.0

        var model = LogisticRegression(.init(C: C))
        try model.fit(data.train, data.trainLabels, classCount: data.classCount, control: .none)
        let accuracy = Agreement.accuracy(try model.predict(data.test), data.testLabels)
        #expect(abs(accuracy - expected.accuracy!) <= 0.01)
        let probabilities = try model.predictProbabilities(data.test)
        #expect(Agreement.largestRelativeDifference(probabilities, expected.probabilities!) < 0.01)

        var tight = LogisticRegression(.init(C: C, maxIterations: 10000, tolerance: 1e-10))
        try tight.fit(data.train, data.trainLabels, classCount: data.classCount, control: .none)
        #expect(tight.converged)
        #expect(Agreement.largestRelativeDifference(tight.coefficients, expected.tightCoef!) < 1e-4)
        #expect(Agreement.largestRelativeDifference(tight.intercepts, expected.tightIntercept!) < 1e-4)
        let importances = try #require(tight.featureImportances)
        #expect(abs(importances.reduce(0, +) - 1) < 1e-12)
        #expect(importances.allSatisfy { $0 >= 0 })
    }

    @Test(arguments: ["linear_svm_cancer", "linear_svm_wine"])
    func linearSVMMatchesScikitLearn(_ name: String) throws {
        let expected = LinearFixture.expected(name)
        let data = try LinearFixture.split(expected.dataset!)
        let C = name == "linear_svm_wine" ? 0.5 : 1.0

        var model = LinearSVM(.init(C: C))
        try model.fit(data.train, data.trainLabels, classCount: data.classCount, control: .none)
        #expect(abs(Agreement.accuracy(try model.predict(data.test), data.testLabels) - expected.accuracy!) <= 0.01)

        for solver in [LinearSVM.Configuration.Solver.primal, .dual] {
            var tight = LinearSVM(.init(C: C, maxIterations: 100_000, tolerance: solver == .dual ? 1e-9 : 1e-10, solver: solver))
            try tight.fit(data.train, data.trainLabels, classCount: data.classCount, control: .none)
            #expect(tight.converged)
            #expect(Agreement.largestRelativeDifference(tight.coefficients, expected.tightCoef!) < 1e-4, "\(solver)")
            #expect(Agreement.largestRelativeDifference(tight.intercepts, expected.tightIntercept!) < 1e-4, "\(solver)")
        }
        var tight = LinearSVM(.init(C: C, maxIterations: 100_000, tolerance: 1e-10))
        try tight.fit(data.train, data.trainLabels, classCount: data.classCount, control: .none)
        let probabilities = try tight.predictProbabilities(data.test)
        for row in 0 ..< data.test.rows {
            let sum = (0 ..< data.classCount).reduce(0) { $0 + probabilities[row * data.classCount + $1] }
            #expect(abs(sum - 1) < 1e-12)
        }
    }

    @Test func leastSquaresAndRidgeMatchScikitLearn() throws {
        let data = try LinearFixture.split("diabetes")
        let linearExpected = LinearFixture.expected("linear_diabetes")
        var linear = LinearRegression()
        try linear.fit(data.train, data.yTrain, control: .none)
        #expect(!linear.usedMinimumNormSolution)
        #expect(Agreement.largestRelativeDifference(linear.coefficients, linearExpected.coef!) < 1e-6)
        #expect(abs(linear.intercept - linearExpected.intercept![0]) < 1e-6)
        #expect(abs(Agreement.r2(try linear.predict(data.test), data.yTest) - linearExpected.r2!) < 1e-6)

        let ridgeExpected = LinearFixture.expected("ridge_diabetes")
        var ridge = RidgeRegression(.init(alpha: 0.5))
        try ridge.fit(data.train, data.yTrain, control: .none)
        #expect(Agreement.largestRelativeDifference(ridge.coefficients, ridgeExpected.coef!) < 1e-6)
        #expect(abs(ridge.intercept - ridgeExpected.intercept![0]) < 1e-6)
        #expect(Agreement.largestRelativeDifference(try ridge.predict(data.test), ridgeExpected.predictions!) < 1e-6)
    }

    @Test func lassoMatchesScikitLearn() throws {
        let data = try LinearFixture.split("diabetes")
        let expected = LinearFixture.expected("lasso_diabetes")
        var model = LassoRegression(.init(alpha: 0.1))
        try model.fit(data.train, data.yTrain, control: .none)
        #expect(model.converged)
        #expect(abs(Agreement.r2(try model.predict(data.test), data.yTest) - expected.r2!) <= 0.01)
        #expect(Agreement.largestRelativeDifference(model.coefficients, expected.coef!) < 0.05)

        var tight = LassoRegression(.init(alpha: 0.1, maxIterations: 100_000, tolerance: 1e-12))
        try tight.fit(data.train, data.yTrain, control: .none)
        #expect(tight.converged)
        #expect(Agreement.largestRelativeDifference(tight.coefficients, expected.tightCoef!) < 1e-4)
        #expect(abs(tight.intercept - expected.tightIntercept![0]) < 1e-4)
        // The L1 penalty zeroes some coefficients, exactly as scikit-learn's do.
        for (ours, theirs) in zip(tight.coefficients, expected.tightCoef!) { #expect((ours == 0) == (theirs == 0)) }
    }

    /// The Gram form, the column form and the default (columns, then the Gram form after
    /// 10 sweeps, as there are more rows than features) reach the same lasso solution, with
    /// a constant column whose coefficient stays 0.
    @Test(arguments: [0.1, 0.0])
    func lassoGramAndColumnFormsAgree(alpha: Double) throws {
        let data = try LinearFixture.split("diabetes")
        let d = data.train.columns
        var values: [Double] = []
        for row in 0 ..< data.train.rows { values += data.train.values[(row * d) ..< ((row + 1) * d)] + [3.5] }
        let x = try FeatureMatrixView(values: values, rows: data.train.rows, columns: d + 1)
        var solutions: [[Double]] = []
        var intercepts: [Double] = []
        for precompute in [true, false] {
            var configuration = LassoRegression.Configuration(alpha: alpha, maxIterations: 100_000, tolerance: 1e-12)
            configuration.precompute = precompute
            var model = LassoRegression(configuration)
            try model.fit(x, data.yTrain, control: .none)
            #expect(model.converged)
            #expect(model.coefficients[d] == 0)
            solutions.append(model.coefficients)
            intercepts.append(model.intercept)
        }
        #expect(Agreement.largestRelativeDifference(solutions[0], solutions[1]) < 1e-6)
        #expect(abs(intercepts[0] - intercepts[1]) < 1e-6 * max(1, abs(intercepts[1])))
        var automatic = LassoRegression(.init(alpha: alpha, maxIterations: 100_000, tolerance: 1e-12))
        try automatic.fit(x, data.yTrain, control: .none)
        #expect(automatic.converged)
        #expect(automatic.iterationCount > LassoRegression.columnSweeps)
        #expect(Agreement.largestRelativeDifference(automatic.coefficients, solutions[1]) < 1e-6)
    }

    /// 20,000 rows: the column form's copy, norms and gaps run by blocks of rows on both
    /// cores, and its fused sweep must reach the Gram form's solution (a feature with a
    /// large mean and one of pure noise, which the penalty zeroes).
    @Test func lassoFormsAgreeOnManyRows() throws {
        var random = SplitMix64(seed: 21)
        let rows = 20_000, columns = 5
        var values: [Double] = [], y: [Double] = []
        for _ in 0 ..< rows {
            let row = (0 ..< columns).map { _ in random.nextDouble() * 2 - 1 }
            values += [row[0], row[1] + 1_000, row[2], row[3], row[4]]
            y.append(3 * row[0] - 2 * row[1] + 0.5 * row[2] + 7 + 0.1 * (random.nextDouble() - 0.5))
        }
        let x = try FeatureMatrixView(values: values, rows: rows, columns: columns)
        var solutions: [[Double]] = []
        for precompute in [true, false] {
            var configuration = LassoRegression.Configuration(alpha: 0.01, maxIterations: 10_000, tolerance: 1e-10)
            configuration.precompute = precompute
            var model = LassoRegression(configuration)
            try model.fit(x, y, control: .none)
            #expect(model.converged)
            solutions.append(model.coefficients + [model.intercept])
        }
        #expect(Agreement.largestRelativeDifference(solutions[0], solutions[1]) < 1e-6)
        #expect(abs(solutions[1][0] - 3 * 0.99) < 0.01, "coefficients \(solutions[1])")
        #expect(solutions[1][4] == 0)
    }

    @Test func collinearFeaturesFallBackToTheMinimumNormSolution() throws {
        // y = 1 + 2a + 3b with a duplicated: lstsq splits a's weight evenly between copies.
        var values: [Double] = [], targets: [Double] = []
        for i in 0 ..< 40 {
            let a = Double(i % 7) - 3, b = Double((i * 5) % 11) / 4
            values += [a, a, b]
            targets.append(1 + 2 * a + 3 * b)
        }
        let x = try FeatureMatrixView(values: values, rows: 40, columns: 3)
        var model = LinearRegression()
        try model.fit(x, targets, control: .none)
        #expect(model.usedMinimumNormSolution)
        #expect(Agreement.largestRelativeDifference(model.coefficients, [1, 1, 3]) < 1e-8)
        #expect(abs(model.intercept - 1) < 1e-8)
        #expect(Agreement.largestRelativeDifference(try model.predict(x), targets) < 1e-8)
    }

    @Test func binaryLogisticRegressionFitsOneVectorLikeScikitLearn() throws {
        let data = try LinearFixture.split("cancer_std")
        var model = LogisticRegression()
        try model.fit(data.train, data.trainLabels, classCount: 2, control: .none)
        #expect(model.intercepts.count == 1)
        #expect(model.coefficients.count == data.train.columns)
        let probabilities = try model.predictProbabilities(data.test)
        let predictions = try model.predict(data.test)
        for row in 0 ..< data.test.rows {
            #expect(abs(probabilities[2 * row] + probabilities[2 * row + 1] - 1) < 1e-12)
            #expect(predictions[row] == (probabilities[2 * row + 1] > 0.5 ? 1 : 0))
        }
    }

    @Test func hyperparametersAreValidatedByField() {
        func field(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch let error as ModelError {
                #expect(error.code == .invalidHyperparameter)
                return error.field
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(field { try LogisticRegression.Configuration(C: -1).validate() } == "C")
        #expect(field { try LogisticRegression.Configuration(C: .nan).validate() } == "C")
        #expect(field { try LogisticRegression.Configuration(maxIterations: 0).validate() } == "max_iter")
        #expect(field { try LogisticRegression.Configuration(tolerance: 0).validate() } == "tol")
        #expect(field { try LinearSVM.Configuration(C: 0).validate() } == "C")
        #expect(field { try LinearSVM.Configuration(maxIterations: -3).validate() } == "max_iter")
        #expect(field { try RidgeRegression.Configuration(alpha: -1).validate() } == "alpha")
        #expect(field { try LassoRegression.Configuration(alpha: .infinity).validate() } == "alpha")
        #expect(field { try LassoRegression.Configuration(tolerance: -1).validate() } == "tol")
        #expect(field { try LogisticRegression.Configuration().validate() } == nil)
        #expect(field { try LassoRegression.Configuration().validate() } == nil)
        var model = LogisticRegression(.init(C: -1))
        let x = try! FeatureMatrixView(values: [0, 1, 2, 3], rows: 4, columns: 1)
        #expect(field { try model.fit(x, [0, 0, 1, 1], classCount: 2, control: .none) } == "C")
    }

    @Test func badInputThrowsInsteadOfTrapping() throws {
        #expect(throws: ModelError.self) { try FeatureMatrixView(values: [1, .nan], rows: 1, columns: 2) }
        #expect(throws: ModelError.self) { try FeatureMatrixView(values: [1, 2, 3], rows: 2, columns: 2) }
        let x = try FeatureMatrixView(values: [0, 1, 2, 3, 4, 5], rows: 3, columns: 2)
        func code(_ body: () throws -> Void) -> ModelError.Code? {
            do {
                try body()
                return nil
            } catch let error as ModelError {
                return error.code
            } catch {
                return ModelError.Code(rawValue: "unexpected")
            }
        }
        var logistic = LogisticRegression()
        #expect(code { try logistic.fit(x, [0, 1], classCount: 2, control: .none) } == .invalidInput)  // wrong length
        #expect(code { try logistic.fit(x, [0, 1, 2], classCount: 2, control: .none) } == .invalidInput)  // class outside the count
        #expect(code { try logistic.fit(x, [0, 0, 0], classCount: 2, control: .none) } == .invalidInput)  // one class only
        #expect(code { try logistic.fit(x, [0, 1, -1], classCount: 2, control: .none) } == .invalidInput)
        #expect(code { _ = try logistic.predict(x) } == .notFitted)
        try logistic.fit(x, [0, 1, 1], classCount: 2, control: .none)
        let wrongWidth = try FeatureMatrixView(values: [1, 2, 3], rows: 1, columns: 3)
        #expect(code { _ = try logistic.predict(wrongWidth) } == .invalidInput)

        var svm = LinearSVM()
        #expect(code { try svm.fit(x, [0, 1, 3], classCount: 3, control: .none) } == .invalidInput)
        var linear = LinearRegression()
        #expect(code { try linear.fit(x, [1, .nan, 2], control: .none) } == .invalidInput)
        #expect(code { try linear.fit(x, [1, 2], control: .none) } == .invalidInput)
        #expect(code { _ = try linear.predict(x) } == .notFitted)
        var lasso = LassoRegression()
        let empty = try FeatureMatrixView(values: [], rows: 0, columns: 2)
        #expect(code { try lasso.fit(empty, [], control: .none) } == .invalidInput)
        var ridge = RidgeRegression()
        try ridge.fit(x, [1, 2, 4], control: .none)
        #expect(code { _ = try ridge.predict(wrongWidth) } == .invalidInput)
    }

    @Test func cancellationStopsIterativeFits() throws {
        let data = try LinearFixture.split("wine_std")
        let regression = try LinearFixture.split("diabetes")
        func isCancelled(_ body: () throws -> Void) -> Bool {
            do {
                try body()
                return false
            } catch { return (error as? ModelError)?.code == .cancelled }
        }
        let logisticPolls = CancelAfterPolls(after: 3)
        var logistic = LogisticRegression(.init(maxIterations: 10000, tolerance: 1e-12))
        #expect(isCancelled { try logistic.fit(data.train, data.trainLabels, classCount: 3, control: logisticPolls.control) })
        #expect(logisticPolls.pollCount <= 5)

        for solver in [LinearSVM.Configuration.Solver.primal, .dual] {
            var svm = LinearSVM(.init(maxIterations: 100_000, tolerance: 1e-300, solver: solver))
            #expect(isCancelled { try svm.fit(data.train, data.trainLabels, classCount: 3, control: CancelAfterPolls(after: 2).control) })
        }

        let lassoPolls = CancelAfterPolls(after: 2)
        var lasso = LassoRegression(.init(alpha: 0.01, maxIterations: 100_000, tolerance: 0))
        #expect(isCancelled { try lasso.fit(regression.train, regression.yTrain, control: lassoPolls.control) })

        var ridge = RidgeRegression()
        #expect(isCancelled { try ridge.fit(regression.train, regression.yTrain, control: CancelAfterPolls(after: 0).control) })
    }

    @Test func linearSVMIsDeterministicForASeed() throws {
        let data = try LinearFixture.split("wine_std")
        var first = LinearSVM(.init(maxIterations: 5, solver: .dual, randomState: 7))
        var second = LinearSVM(.init(maxIterations: 5, solver: .dual, randomState: 7))
        try first.fit(data.train, data.trainLabels, classCount: 3, control: .none)
        try second.fit(data.train, data.trainLabels, classCount: 3, control: .none)
        #expect(first.coefficients == second.coefficients)
        #expect(first.intercepts == second.intercepts)
    }

    @Test func seededGeneratorIsSplitMix64() {
        // The reference SplitMix64 sequence for seed 0.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        var bounded = SplitMix64(seed: 42)
        for _ in 0 ..< 1000 {
            let value = bounded.nextInt(below: 7)
            #expect((0 ..< 7).contains(value))
            #expect((0 ..< 1).contains(bounded.nextDouble()))
        }
    }
}
