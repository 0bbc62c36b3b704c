import Foundation
import LoomColumnar
import LoomML

/// Why a node failed: its id, a stable code and a sentence for the user.
public struct NodeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var nodeID: String
    public var code: String
    public var message: String

    public init(nodeID: String, code: String, message: String) {
        self.nodeID = nodeID
        self.code = code
        self.message = message
    }

    public var description: String { "node '\(nodeID)': \(message) [\(code)]" }
}

/// A fitted model node and what it predicted: the evaluated rows' truth and predictions,
/// which its evaluate and visualize nodes read.
struct TrainedModel: Sendable {
    enum Outcome: Sendable {
        case classification(ClassificationData)
        case regression(RegressionData)
        /// The rows the model clustered (its training rows), and the clustering.
        case clustering(ClusteringData, Clustering)
    }

    let nodeID: String
    let algorithm: String
    let problemType: ProblemType
    let targetColumn: String?
    let featureNames: [String]
    let importances: [Double]?
    let fitTime: Duration
    let trainRows: Int
    /// The dataset row (0-based, before any filter) of each evaluated row.
    let evaluatedRows: [Int]
    let outcome: Outcome

    /// Trains the model node on `data`'s training rows and predicts its test rows (for
    /// clustering: clusters the training rows, which are all rows without a split).
    static func train(
        nodeID: String, configuration: ModelNodeConfiguration, data: PreparedData, control: FitControl
    ) throws(NodeFailure) -> TrainedModel {
        func failure(_ code: String, _ message: String) -> NodeFailure {
            NodeFailure(nodeID: nodeID, code: code, message: message)
        }
        do {
            let model = try ModelCatalog.make(
                nodeID: nodeID, algorithm: configuration.algorithm, problemType: data.problemType,
                hyperparameters: configuration.hyperparameters)
            let columns = data.featureNames.count
            let train = try FeatureMatrixView(values: data.train.features.values, rows: data.train.count, columns: columns)
            let start = ContinuousClock.now
            let outcome: Outcome
            let importances: [Double]?
            var fitTime: Duration = .zero
            switch model {
            case .classifier(var classifier):
                guard let y = data.train.target?.classIndices else { throw failure("internal_error", "classification rows without classes") }
                try classifier.fit(train, y, classCount: data.labels.count, control: control)
                fitTime = ContinuousClock.now - start
                let test = try FeatureMatrixView(values: data.test.features.values, rows: data.test.count, columns: columns)
                let probabilities = try ClassProbabilities(values: try classifier.predictProbabilities(test), classCount: data.labels.count)
                outcome = .classification(try ClassificationData(
                    yTrue: data.test.target?.classIndices ?? [], yPred: try classifier.predict(test),
                    labels: data.labels, probabilities: probabilities))
                importances = classifier.featureImportances
            case .regressor(var regressor):
                guard let y = data.train.target?.doubles else { throw failure("internal_error", "regression rows without values") }
                try regressor.fit(train, y, control: control)
                fitTime = ContinuousClock.now - start
                let test = try FeatureMatrixView(values: data.test.features.values, rows: data.test.count, columns: columns)
                outcome = .regression(try RegressionData(yTrue: data.test.target?.doubles ?? [], yPred: try regressor.predict(test)))
                importances = regressor.featureImportances
            case .clusterer(let clusterer):
                let clustering = try clusterer.fit(train, control: control)
                fitTime = ContinuousClock.now - start
                outcome = .clustering(
                    try ClusteringData(
                        features: data.train.features.values, columnCount: columns, assignments: clustering.assignments,
                        centroids: clustering.centroids),
                    clustering)
                importances = nil
            }
            let evaluated = data.problemType == .clustering ? data.train.rows : data.test.rows
            return TrainedModel(
                nodeID: nodeID, algorithm: configuration.algorithm, problemType: data.problemType,
                targetColumn: data.targetColumn, featureNames: data.featureNames, importances: importances,
                fitTime: fitTime, trainRows: data.train.count, evaluatedRows: evaluated, outcome: outcome)
        } catch let error as NodeFailure {
            throw error
        } catch let error as ModelNodeError {
            throw failure(error.code.rawValue, error.error.message)
        } catch let error as ModelError {
            throw failure(error.code.rawValue, error.message)
        } catch let error as MetricError {
            throw failure(error.code.rawValue, "the predictions cannot be evaluated: \(error.message)")
        } catch {
            throw failure("internal_error", "\(error)")
        }
    }

    /// The metrics `names` (empty: the standard set of the problem type) on the evaluated rows.
    func evaluate(_ names: [String], nodeID: String) throws(NodeFailure) -> MetricReport {
        do {
            let metrics = try MetricSet(names: names, problemType: problemType)
            switch outcome {
            case .classification(let data): return try metrics.evaluate(data)
            case .regression(let data): return try metrics.evaluate(data)
            case .clustering(let data, _): return try metrics.evaluate(data)
            }
        } catch {
            throw NodeFailure(nodeID: nodeID, code: error.code.rawValue, message: error.message)
        }
    }

    /// Draws `kind` as an SVG document or a PNG image.
    func plot(_ kind: PlotKind, format: PlotFormat, nodeID: String) throws(NodeFailure) -> WorkflowPlot {
        var inputs = PlotInputs(featureNames: featureNames, featureImportances: importances, targetName: targetColumn ?? "Target")
        switch outcome {
        case .classification(let data): inputs.classification = data
        case .regression(let data): inputs.regression = data
        case .clustering(let data, _): inputs.clustering = data
        }
        do {
            switch format {
            case .svg: return WorkflowPlot(nodeID: nodeID, kind: kind, format: format, bytes: Array(try inputs.svg(for: kind).utf8))
            case .png: return WorkflowPlot(nodeID: nodeID, kind: kind, format: format, bytes: try inputs.png(for: kind, width: PlotFormat.pngWidth))
            }
        } catch {
            throw NodeFailure(nodeID: nodeID, code: error.code.rawValue, message: error.message)
        }
    }

    /// The predictions as a table, one row per evaluated row: `row` (the dataset row it
    /// came from), then `actual` and `predicted` (class labels, or numbers with their
    /// `residual`), and for classifiers `probability_<label>` per class; for clustering,
    /// `cluster` (-1 for DBSCAN's noise).
    func predictions() -> Table {
        var columns: [Column] = [.int64("row", evaluatedRows.map { Int64($0) })]
        switch outcome {
        case .classification(let data):
            columns.append(.string("actual", data.yTrue.map { data.labels[$0] }))
            columns.append(.string("predicted", data.yPred.map { data.labels[$0] }))
            if let probabilities = data.probabilities {
                for (index, label) in data.labels.enumerated() {
                    let values = (0..<probabilities.rowCount).map { probabilities.values[$0 * probabilities.classCount + index] }
                    columns.append(.float64("probability_\(label)", values))
                }
            }
        case .regression(let data):
            columns.append(.float64("actual", data.yTrue))
            columns.append(.float64("predicted", data.yPred))
            columns.append(.float64("residual", zip(data.yTrue, data.yPred).map { $0 - $1 }))
        case .clustering(_, let clustering):
            columns.append(.int64("cluster", clustering.assignments.map { Int64($0) }))
        }
        // Every column has one value per evaluated row, and the names are distinct unless
        // two labels differ only after "probability_", which cannot happen.
        return try! Table(columns: columns)
    }
}
