import Foundation
import LoomColumnar

/// A model ready to fit, of the kind its problem type needs.
public enum TrainableModel: Sendable {
    case classifier(any Classifier)
    case regressor(any Regressor)
    case clusterer(any Clusterer)
}

/// A model node's configuration that cannot be used: which node, which field (when one is
/// at fault), a stable code and a sentence for the user.
public struct ModelNodeError: Error, Equatable, CustomStringConvertible, Sendable {
    public var nodeID: String
    public var error: ModelError

    public var field: String? { error.field }
    public var code: ModelError.Code { error.code }
    public var description: String { "node \(nodeID): \(error)" }
}

/// The algorithms a model node may name, per problem type, and how a node's
/// `algorithm` and `hyperparameters` become a model. Hyperparameter names are
/// scikit-learn's (`C`, `max_iter`, `n_estimators`, …); every one has a default, and a name
/// the algorithm does not take is refused rather than ignored.
public enum ModelCatalog {
    public static func algorithms(for problemType: ProblemType) -> [String] {
        switch problemType {
        case .classification:
            ["logistic_regression", "decision_tree", "random_forest", "gradient_boosting", "knn", "naive_bayes", "linear_svm"]
        case .regression:
            ["linear_regression", "ridge", "lasso", "decision_tree", "random_forest", "gradient_boosting", "knn"]
        case .clustering:
            ["kmeans", "dbscan"]
        }
    }

    /// Whether a fitted model of `algorithm` reports feature importances (trees, forests and
    /// boosting by impurity or gain; linear models by coefficient magnitude). k-NN, naive Bayes
    /// and the clusterers have none, so a feature_importance plot cannot be drawn for them.
    public static func givesFeatureImportances(_ algorithm: String) -> Bool {
        !["knn", "naive_bayes", "kmeans", "dbscan"].contains(algorithm)
    }

    public static func make(
        nodeID: String, algorithm: String, problemType: ProblemType, hyperparameters: [String: JSONValue]
    ) throws(ModelNodeError) -> TrainableModel {
        do {
            var reader = HyperparameterReader(hyperparameters)
            let model = try build(algorithm, problemType, &reader)
            try reader.rejectUnknown(algorithm: algorithm)
            try validate(model)
            return model
        } catch {
            var error = error
            // The node says `k` where scikit-learn (and the configurations) say n_clusters or
            // n_neighbors: name the field the user wrote.
            if error.field == "n_clusters" || error.field == "n_neighbors" {
                error.field = "k"
                error.message = error.message.replacingOccurrences(of: "n_clusters", with: "k")
                    .replacingOccurrences(of: "n_neighbors", with: "k")
            }
            throw ModelNodeError(nodeID: nodeID, error: error)
        }
    }

    private static func build(
        _ algorithm: String, _ problemType: ProblemType, _ p: inout HyperparameterReader
    ) throws(ModelError) -> TrainableModel {
        switch (problemType, algorithm) {
        case (.classification, "logistic_regression"):
            return .classifier(LogisticRegression(.init(
                C: try p.double("C", default: 1.0), maxIterations: try p.int("max_iter", default: 100),
                tolerance: try p.double("tol", default: 1e-4))))
        case (.classification, "linear_svm"):
            return .classifier(LinearSVM(.init(
                C: try p.double("C", default: 1.0), maxIterations: try p.int("max_iter", default: 1000),
                tolerance: try p.double("tol", default: 1e-4))))
        case (.classification, "naive_bayes"):
            return .classifier(GaussianNaiveBayes(.init(varSmoothing: try p.double("var_smoothing", default: 1e-9))))
        case (.classification, "knn"):
            return .classifier(KNearestNeighborsClassifier(try neighbors(&p)))
        case (.regression, "knn"):
            return .regressor(KNearestNeighborsRegressor(try neighbors(&p)))
        case (.classification, "decision_tree"):
            return .classifier(DecisionTreeClassifier(.init(
                criterion: try p.choice("criterion", default: .gini), maxDepth: try p.optionalInt("max_depth"),
                minSamplesSplit: try p.int("min_samples_split", default: 2), minSamplesLeaf: try p.int("min_samples_leaf", default: 1),
                maxFeatures: try p.maxFeatures(default: .all), randomState: try p.optionalInt("random_state"))))
        case (.regression, "decision_tree"):
            return .regressor(DecisionTreeRegressor(.init(
                maxDepth: try p.optionalInt("max_depth"), minSamplesSplit: try p.int("min_samples_split", default: 2),
                minSamplesLeaf: try p.int("min_samples_leaf", default: 1), maxFeatures: try p.maxFeatures(default: .all),
                randomState: try p.optionalInt("random_state"))))
        case (.classification, "random_forest"):
            return .classifier(RandomForestClassifier(.init(
                estimatorCount: try p.int("n_estimators", default: 100), criterion: try p.choice("criterion", default: .gini),
                maxDepth: try p.optionalInt("max_depth"), minSamplesSplit: try p.int("min_samples_split", default: 2),
                minSamplesLeaf: try p.int("min_samples_leaf", default: 1), maxFeatures: try p.maxFeatures(default: .sqrt),
                bootstrap: try p.bool("bootstrap", default: true), randomState: try p.optionalInt("random_state"))))
        case (.regression, "random_forest"):
            return .regressor(RandomForestRegressor(.init(
                estimatorCount: try p.int("n_estimators", default: 100), maxDepth: try p.optionalInt("max_depth"),
                minSamplesSplit: try p.int("min_samples_split", default: 2), minSamplesLeaf: try p.int("min_samples_leaf", default: 1),
                maxFeatures: try p.maxFeatures(default: .fraction(1.0)), bootstrap: try p.bool("bootstrap", default: true),
                randomState: try p.optionalInt("random_state"))))
        case (.classification, "gradient_boosting"):
            return .classifier(HistGradientBoostingClassifier(try boosting(&p)))
        case (.regression, "gradient_boosting"):
            return .regressor(HistGradientBoostingRegressor(try boosting(&p)))
        case (.regression, "linear_regression"):
            return .regressor(LinearRegression())
        case (.regression, "ridge"):
            return .regressor(RidgeRegression(.init(alpha: try p.double("alpha", default: 1.0))))
        case (.regression, "lasso"):
            return .regressor(LassoRegression(.init(
                alpha: try p.double("alpha", default: 1.0), maxIterations: try p.int("max_iter", default: 1000),
                tolerance: try p.double("tol", default: 1e-4))))
        case (.clustering, "kmeans"):
            return .clusterer(KMeans(.init(
                clusters: try p.int("k", default: 8), nInit: try p.int("n_init", default: 1),
                maxIterations: try p.int("max_iter", default: 300), tolerance: try p.double("tol", default: 1e-4),
                randomState: UInt64(bitPattern: Int64(try p.int("random_state", default: 0))))))
        case (.clustering, "dbscan"):
            return .clusterer(DBSCAN(.init(eps: try p.double("eps", default: 0.5), minSamples: try p.int("min_samples", default: 5))))
        default:
            let known = algorithms(for: problemType).joined(separator: ", ")
            throw ModelError(
                .invalidHyperparameter, field: "algorithm",
                "'\(algorithm)' is not a \(problemType.rawValue) algorithm; choose one of \(known)"
            )
        }
    }

    private static func neighbors(_ p: inout HyperparameterReader) throws(ModelError) -> KNearestNeighborsConfiguration {
        KNearestNeighborsConfiguration(
            neighbors: try p.int("k", default: 5), weights: try p.choice("weights", default: .uniform),
            metric: try p.choice("metric", default: .euclidean))
    }

    private static func boosting(_ p: inout HyperparameterReader) throws(ModelError) -> HistGradientBoostingConfiguration {
        // early_stopping takes scikit-learn's true/false as well as "auto", "on" and "off".
        let earlyStopping: HistGradientBoostingConfiguration.EarlyStopping =
            switch p.peek("early_stopping") {
            case .bool?: try p.bool("early_stopping", default: false) ? .on : .off
            default: try p.choice("early_stopping", default: .auto)
            }
        return HistGradientBoostingConfiguration(
            learningRate: try p.double("learning_rate", default: 0.1), maxIter: try p.int("max_iter", default: 100),
            maxLeafNodes: try p.optionalInt("max_leaf_nodes") ?? 31, maxDepth: try p.optionalInt("max_depth"),
            minSamplesLeaf: try p.int("min_samples_leaf", default: 20), l2Regularization: try p.double("l2_regularization", default: 0),
            earlyStopping: earlyStopping, randomState: try p.optionalInt("random_state"))
    }

    private static func validate(_ model: TrainableModel) throws(ModelError) {
        switch model {
        case .classifier(let classifier): try (classifier as? any ConfiguredModel)?.validateConfiguration()
        case .regressor(let regressor): try (regressor as? any ConfiguredModel)?.validateConfiguration()
        case .clusterer(let clusterer): try (clusterer as? any ConfiguredModel)?.validateConfiguration()
        }
    }
}
