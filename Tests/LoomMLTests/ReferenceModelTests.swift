import Foundation
import LoomColumnar
import LoomML
import Testing

/// Every algorithm of the reference results, trained on exactly scikit-learn's training
/// rows of each sample (same preprocessing, same test rows), against scikit-learn's
/// test-set metrics: within 0.01 for the deterministic convex models, within 0.03 for the
/// randomized ones (trees, forests, boosting), as the models issue asks.
@Suite("Models against scikit-learn on the sample datasets")
struct ReferenceModelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var dataset: String
        var index: Int
        var algorithm: String
        var testDescription: String { "\(dataset) \(algorithm)" }
    }

    static let cases: [Case] = ReferencePipelineTests.files.flatMap { file in
        file.results.enumerated().map { Case(dataset: file.dataset, index: $0.offset, algorithm: $0.element.algorithm) }
    }

    static let randomized: Set<String> = ["decision_tree", "random_forest", "gradient_boosting"]

    @Test("the reference has every algorithm of both problem types")
    func coverage() {
        #expect(Set(Self.cases.map(\.algorithm)) == [
            "logistic_regression", "decision_tree", "random_forest", "gradient_boosting", "knn", "naive_bayes", "linear_svm",
            "linear_regression", "ridge", "lasso",
        ])
    }

    @Test("test-set metrics agree with scikit-learn's", arguments: cases)
    func agrees(with reference: Case) throws {
        let file = try #require(ReferencePipelineTests.files.first { $0.dataset == reference.dataset })
        let result = file.results[reference.index]
        let data = try file.prepare(result.preprocessing)
        let train = try FeatureMatrixView(values: data.train.features.values, rows: data.train.count, columns: data.featureNames.count)
        let test = try FeatureMatrixView(values: data.test.features.values, rows: data.test.count, columns: data.featureNames.count)
        let tolerance = Self.randomized.contains(result.algorithm) ? 0.03 : 0.01

        switch file.problemType {
        case .classification:
            var model = try Self.classifier(result.algorithm, result.hyperparameters)
            let yTrain = try #require(data.train.target?.classIndices)
            let yTest = try #require(data.test.target?.classIndices)
            try model.fit(train, yTrain, classCount: data.labels.count, control: .none)
            let predicted = try model.predict(test)
            let evaluation = try ClassificationData(yTrue: yTest, yPred: predicted, labels: data.labels)
            let accuracy = ClassificationMetrics.accuracy(evaluation)
            let f1 = try ClassificationMetrics.f1(evaluation, average: .macro)
            #expect(abs(accuracy - (try Self.number(result.metrics["accuracy"]))) <= tolerance, "accuracy \(accuracy)")
            #expect(abs(f1 - (try Self.number(result.metrics["f1_macro"]))) <= tolerance, "f1_macro \(f1)")
        case .regression:
            var model = try Self.regressor(result.algorithm, result.hyperparameters)
            let yTrain = try #require(data.train.target?.doubles)
            let yTest = try #require(data.test.target?.doubles)
            try model.fit(train, yTrain, control: .none)
            let r2 = try RegressionMetrics.r2(RegressionData(yTrue: yTest, yPred: try model.predict(test)))
            #expect(abs(r2 - (try Self.number(result.metrics["r2"]))) <= tolerance, "r2 \(r2)")
        case .clustering:
            Issue.record("no supervised reference result is a clustering")
        }
    }

    @Test("k-means inertia is within 3% of scikit-learn's on every clustered sample")
    func kmeansInertia() throws {
        let clustered = ReferencePipelineTests.files.filter { !($0.clustering ?? []).isEmpty }
        #expect(clustered.count == 4)
        for file in clustered {
            for result in file.clustering ?? [] {
                let data = try file.prepare(result.preprocessing, clustering: true)
                let x = try FeatureMatrixView(values: data.train.features.values, rows: data.train.count, columns: data.featureNames.count)
                let k = try #require(Self.int(result.hyperparameters["k"]))
                let clustering = try KMeans(.init(clusters: k, nInit: Self.int(result.hyperparameters["n_init"]) ?? 10, randomState: 0))
                    .fit(x, control: .none)
                let inertia = try #require(clustering.inertia)
                let expected = try Self.number(result.metrics["inertia"])
                #expect(abs(inertia - expected) / expected <= 0.03, "\(file.dataset): inertia \(inertia), scikit-learn \(expected)")
            }
        }
    }

    static func number(_ value: JSONValue?) throws -> Double {
        guard case .number(let number)? = value else { throw ReferenceError.missing("a number, got \(String(describing: value))") }
        return number
    }

    static func int(_ value: JSONValue?, default fallback: Int? = nil) -> Int? {
        if case .number(let number)? = value { return Int(number) }
        return fallback
    }

    /// The reference's estimators with scikit-learn's settings (random_state 0 where given).
    static func classifier(_ algorithm: String, _ parameters: [String: JSONValue]) throws -> any Classifier {
        switch algorithm {
        case "logistic_regression":
            return LogisticRegression(.init(C: try number(parameters["C"]), maxIterations: int(parameters["max_iter"]) ?? 100))
        case "linear_svm":
            return LinearSVM(.init(C: try number(parameters["C"])))
        case "naive_bayes":
            return GaussianNaiveBayes()
        case "knn":
            return KNearestNeighborsClassifier(.init(neighbors: int(parameters["k"]) ?? 5))
        case "decision_tree":
            return DecisionTreeClassifier(.init(randomState: int(parameters["random_state"])))
        case "random_forest":
            return RandomForestClassifier(.init(estimatorCount: int(parameters["n_estimators"]) ?? 100, randomState: int(parameters["random_state"])))
        case "gradient_boosting":
            return HistGradientBoostingClassifier(.init(earlyStopping: .off, randomState: int(parameters["random_state"])))
        default:
            throw ReferenceError.missing("a classifier named \(algorithm)")
        }
    }

    static func regressor(_ algorithm: String, _ parameters: [String: JSONValue]) throws -> any Regressor {
        switch algorithm {
        case "linear_regression":
            return LinearRegression()
        case "ridge":
            return RidgeRegression(.init(alpha: try number(parameters["alpha"])))
        case "lasso":
            return LassoRegression(.init(alpha: try number(parameters["alpha"])))
        case "knn":
            return KNearestNeighborsRegressor(.init(neighbors: int(parameters["k"]) ?? 5))
        case "decision_tree":
            return DecisionTreeRegressor(.init(randomState: int(parameters["random_state"])))
        case "random_forest":
            return RandomForestRegressor(.init(estimatorCount: int(parameters["n_estimators"]) ?? 100, randomState: int(parameters["random_state"])))
        case "gradient_boosting":
            return HistGradientBoostingRegressor(.init(earlyStopping: .off, randomState: int(parameters["random_state"])))
        default:
            throw ReferenceError.missing("a regressor named \(algorithm)")
        }
    }
}
