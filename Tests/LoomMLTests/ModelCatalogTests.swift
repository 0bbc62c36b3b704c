import LoomColumnar
import LoomML
import Testing

@Suite("Model catalog: algorithms and hyperparameters from a model node")
struct ModelCatalogTests {
    func failure(_ algorithm: String, _ problemType: ProblemType, _ hyperparameters: [String: JSONValue]) -> ModelNodeError? {
        do {
            _ = try ModelCatalog.make(nodeID: "model-1", algorithm: algorithm, problemType: problemType, hyperparameters: hyperparameters)
            return nil
        } catch {
            return error
        }
    }

    @Test("every listed algorithm builds with its defaults, as the right kind of model")
    func defaults() throws {
        for problemType in ProblemType.allCases {
            for algorithm in ModelCatalog.algorithms(for: problemType) {
                let model = try ModelCatalog.make(nodeID: "m", algorithm: algorithm, problemType: problemType, hyperparameters: [:])
                switch (problemType, model) {
                case (.classification, .classifier), (.regression, .regressor), (.clustering, .clusterer): break
                default: Issue.record("\(algorithm) for \(problemType) built \(model)")
                }
            }
        }
    }

    @Test("an algorithm of another problem type, or none known, is refused naming the node")
    func unknownAlgorithm() {
        let error = failure("linear_regression", .classification, [:])
        #expect(error?.nodeID == "model-1")
        #expect(error?.field == "algorithm")
        #expect(error?.description.contains("logistic_regression") == true)
        #expect(failure("xgboost", .regression, [:])?.field == "algorithm")
    }

    @Test("unknown names, wrong types and out-of-range values name their field")
    func badHyperparameters() {
        #expect(failure("random_forest", .classification, ["n_estimator": 10])?.field == "n_estimator")
        #expect(failure("linear_regression", .regression, ["alpha": 1])?.description.contains("takes none") == true)
        #expect(failure("logistic_regression", .classification, ["C": "big"])?.field == "C")
        #expect(failure("logistic_regression", .classification, ["C": -1])?.field == "C")
        #expect(failure("logistic_regression", .classification, ["C": -1])?.code == .invalidHyperparameter)
        #expect(failure("knn", .classification, ["weights": "closest"])?.field == "weights")
        #expect(failure("decision_tree", .regression, ["max_depth": 2.5])?.field == "max_depth")
        #expect(failure("decision_tree", .regression, ["max_depth": 0])?.field == "max_depth")
        #expect(failure("kmeans", .clustering, ["k": 0])?.field == "k")
        #expect(failure("kmeans", .clustering, ["k": 0])?.description.contains("k must be") == true)
        #expect(failure("knn", .regression, ["k": 0])?.field == "k")
    }

    @Test("scikit-learn's spellings are accepted: null depths, max_features strings, early_stopping as a boolean")
    func scikitLearnValues() throws {
        _ = try ModelCatalog.make(
            nodeID: "m", algorithm: "random_forest", problemType: .classification,
            hyperparameters: ["max_depth": nil, "max_features": "log2", "bootstrap": false, "random_state": 3]
        )
        for value: JSONValue in [false, true, "auto", "off"] {
            _ = try ModelCatalog.make(
                nodeID: "m", algorithm: "gradient_boosting", problemType: .regression, hyperparameters: ["early_stopping": value]
            )
        }
        #expect(failure("gradient_boosting", .regression, ["early_stopping": "sometimes"])?.field == "early_stopping")
    }
}
