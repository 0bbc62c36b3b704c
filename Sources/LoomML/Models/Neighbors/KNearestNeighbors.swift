// k-nearest neighbours, matching scikit-learn's `KNeighborsClassifier` and
// `KNeighborsRegressor` (algorithm "brute"): a row's prediction comes from its k nearest
// training rows — the weighted share of each class (classifier) or the weighted mean of
// their targets (regressor). Weights are 1 ("uniform") or 1 / distance ("distance"; when
// some neighbours are at distance 0, they alone count, equally — scikit-learn's rule).
// Ties in distance go to the lower training row; ties in votes to the lower class.
//
// Hyperparameters (scikit-learn's defaults): neighbors = 5 (1 ... training rows; checked
// again at fit), weights = .uniform, metric = .euclidean (or .manhattan).
// Feature importances: nil. Fitting stores the training rows; the work is in predicting.

/// The hyperparameters shared by the classifier and the regressor.
public struct KNearestNeighborsConfiguration: Sendable, Equatable {
    public enum Weights: String, Sendable, CaseIterable { case uniform, distance }
    public enum Metric: String, Sendable, CaseIterable { case euclidean, manhattan }

    /// How many neighbours vote, ≥ 1 and at most the training rows. Default 5.
    public var neighbors: Int
    /// Default `.uniform`.
    public var weights: Weights
    /// Default `.euclidean`.
    public var metric: Metric

    public init(neighbors: Int = 5, weights: Weights = .uniform, metric: Metric = .euclidean) {
        self.neighbors = neighbors
        self.weights = weights
        self.metric = metric
    }

    public func validate() throws(ModelError) {
        try HyperparameterCheck.atLeast(neighbors, 1, "n_neighbors")
    }

    func validate(trainingRows: Int) throws(ModelError) {
        try validate()
        guard neighbors <= trainingRows else {
            throw ModelError(.invalidHyperparameter, field: "n_neighbors", "n_neighbors (\(neighbors)) must be at most the \(trainingRows) training rows")
        }
    }

    var searchMetric: NeighborSearch.Metric {
        switch metric {
        case .euclidean: .euclidean
        case .manhattan: .manhattan
        }
    }

    /// The weight of each found neighbour, row-major like `distances`.
    func neighborWeights(_ distances: [Double], k: Int) -> [Double] {
        switch weights {
        case .uniform:
            return [Double](repeating: 1, count: distances.count)
        case .distance:
            var result = [Double](repeating: 0, count: distances.count)
            for row in 0 ..< distances.count / k {
                let slice = row * k ..< (row + 1) * k
                if distances[slice].contains(0) {
                    for i in slice { result[i] = distances[i] == 0 ? 1 : 0 }
                } else {
                    for i in slice { result[i] = 1 / distances[i] }
                }
            }
            return result
        }
    }
}

public struct KNearestNeighborsClassifier: Classifier {
    public var configuration: KNearestNeighborsConfiguration
    private var index: NeighborSearch?
    private var labels: [Int] = []
    public private(set) var classCount = 0

    public init(_ configuration: KNearestNeighborsConfiguration = KNearestNeighborsConfiguration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? { nil }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, control: FitControl) throws(ModelError) {
        try ModelInputCheck.classification(x, y, classCount: classCount, minimumClasses: 1)
        try configuration.validate(trainingRows: x.rows)
        try control.checkCancellation()
        index = NeighborSearch(x, metric: configuration.searchMetric)
        labels = y
        self.classCount = classCount
        control.progress(1)
    }

    /// The k nearest training rows of each row (nearest first) and their distances.
    public func neighbors(_ x: FeatureMatrixView) throws(ModelError) -> (indices: [Int], distances: [Double]) {
        _ = try ModelInputCheck.prediction(x, fittedColumns: index?.columns)
        return index!.search(x, k: configuration.neighbors)
    }

    public func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        let k = configuration.neighbors
        let found = try neighbors(x)
        let weights = configuration.neighborWeights(found.distances, k: k)
        var probabilities = [Double](repeating: 0, count: x.rows * classCount)
        for row in 0 ..< x.rows {
            var total = 0.0
            for slot in row * k ..< (row + 1) * k {
                probabilities[row * classCount + labels[found.indices[slot]]] += weights[slot]
                total += weights[slot]
            }
            for c in 0 ..< classCount { probabilities[row * classCount + c] /= total }
        }
        return probabilities
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int] {
        Softmax.argmaxRows(try predictProbabilities(x), columns: classCount)
    }
}

public struct KNearestNeighborsRegressor: Regressor {
    public var configuration: KNearestNeighborsConfiguration
    private var index: NeighborSearch?
    private var targets: [Double] = []

    public init(_ configuration: KNearestNeighborsConfiguration = KNearestNeighborsConfiguration()) {
        self.configuration = configuration
    }

    public var featureImportances: [Double]? { nil }

    public mutating func fit(_ x: FeatureMatrixView, _ y: [Double], control: FitControl) throws(ModelError) {
        try ModelInputCheck.regression(x, y)
        try configuration.validate(trainingRows: x.rows)
        try control.checkCancellation()
        index = NeighborSearch(x, metric: configuration.searchMetric)
        targets = y
        control.progress(1)
    }

    public func neighbors(_ x: FeatureMatrixView) throws(ModelError) -> (indices: [Int], distances: [Double]) {
        _ = try ModelInputCheck.prediction(x, fittedColumns: index?.columns)
        return index!.search(x, k: configuration.neighbors)
    }

    public func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double] {
        let k = configuration.neighbors
        let found = try neighbors(x)
        let weights = configuration.neighborWeights(found.distances, k: k)
        return (0 ..< x.rows).map { row in
            var sum = 0.0, total = 0.0
            for slot in row * k ..< (row + 1) * k {
                sum += weights[slot] * targets[found.indices[slot]]
                total += weights[slot]
            }
            return sum / total
        }
    }
}
