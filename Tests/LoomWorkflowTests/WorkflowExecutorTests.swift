import Foundation
import LoomColumnar
import LoomML
import LoomWorkflow
import Synchronization
import Testing

@Suite struct WorkflowExecutorTests {
    func run(
        _ workflow: Workflow, datasets: any DatasetSource = LocalDatasets(),
        isCancelled: @escaping @Sendable (EventLog) -> Bool = { _ in false }
    ) async throws -> (WorkflowPlan, WorkflowResult, EventLog) {
        let plan = try WorkflowValidator().validate(workflow)
        let log = EventLog()
        let result = await WorkflowExecutor(plan: plan, datasets: datasets).run(isCancelled: { isCancelled(log) }) { log.append($0) }
        checkEventOrder(log.events, plan: plan)
        return (plan, result, log)
    }

    /// The accuracy the predictions table implies, to check the reported metric against.
    func accuracy(of predictions: Table) throws -> Double {
        let actual = try #require(predictions["actual"])
        let predicted = try #require(predictions["predicted"])
        let hits = (0..<predictions.rowCount).filter { actual.string(at: $0) == predicted.string(at: $0) }.count
        return Double(hits) / Double(predictions.rowCount)
    }

    @Test func theClassificationExampleComparesTwoModels() async throws {
        let (plan, result, log) = try await run(try WorkflowExamples.workflow("classification"))
        #expect(result.status == .completed, "\(String(describing: result.failure))")
        #expect(result.nodes.values.allSatisfy { $0.state == .completed && $0.duration != nil })
        #expect(result.models.map(\.nodeID) == ["logistic", "forest"])
        for model in result.models {
            let metrics = try #require(model.metrics?.metrics)
            let accuracy = try #require(metrics["accuracy"])
            #expect(accuracy >= 0.95, "\(model.algorithm): \(metrics)")
            #expect(try self.accuracy(of: #require(result.predictions[model.nodeID])) == accuracy)
            // 344 penguins, a quarter held out (rounded up, as scikit-learn).
            #expect(model.evaluatedRows == 86 && model.trainRows == 258)
            #expect(metrics.keys.sorted() == ["accuracy", "balanced_accuracy", "f1_macro", "log_loss", "roc_auc_ovr_macro"])
        }
        #expect(result.models[1].featureImportances?.count == 10)  // 4 numbers, 3 islands, 2 sexes, the year
        #expect(result.plots.map { "\($0.nodeID)/\($0.name)" } == [
            "plots-logistic/confusion_matrix.svg", "plots-logistic/roc_curve.svg",
            "plots-forest/confusion_matrix.svg", "plots-forest/roc_curve.svg", "plots-forest/feature_importance.svg",
        ] || Set(result.plots.map { "\($0.nodeID)/\($0.name)" }).count == 5)
        for plot in result.plots {
            let text = String(decoding: plot.bytes, as: UTF8.self)
            #expect(text.contains("<svg") && text.contains("</svg>"))
        }
        let probabilityColumns = try #require(result.predictions["logistic"]).columns.map(\.name).filter { $0.hasPrefix("probability_") }
        #expect(probabilityColumns == ["probability_Adelie", "probability_Chinstrap", "probability_Gentoo"])
        // Metrics reached the caller as events too, one per evaluate node.
        let metricEvents = log.events.compactMap { if case .metrics(let id, _) = $0 { id } else { nil } }
        #expect(metricEvents.sorted() == ["evaluate-forest", "evaluate-logistic"])
        #expect(result.creditCost == CreditPolicy().cost(of: plan, sizes: ["sample:penguins": .init(rows: 344, columns: 8)]))
    }

    @Test func theRegressionExample() async throws {
        let (_, result, _) = try await run(try WorkflowExamples.workflow("regression"))
        #expect(result.status == .completed, "\(String(describing: result.failure))")
        let model = try #require(result.models.first)
        let metrics = try #require(model.metrics?.metrics)
        #expect(try #require(metrics["r2"]) > 0.8, "\(metrics)")
        // 406 cars, 8 without a known consumption, a fifth of the rest held out.
        #expect(model.evaluatedRows == 80 && model.trainRows == 318)
        let predictions = try #require(result.predictions["boosting"])
        #expect(predictions.columns.map(\.name) == ["row", "actual", "predicted", "residual"])
        // Each plot in both formats the node asks for: an SVG document and a PNG image.
        #expect(result.plots.map(\.name) == [
            "predicted_vs_actual.svg", "predicted_vs_actual.png", "residuals.svg", "residuals.png",
            "feature_importance.svg", "feature_importance.png",
        ])
        for plot in result.plots where plot.format == .png {
            #expect(plot.contentType == "image/png")
            #expect(Array(plot.bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(plot.name) is not a PNG")
            // IHDR's width, big-endian, right after the signature and the chunk's header.
            let width = plot.bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1640)
        }
        for plot in result.plots where plot.format == .svg {
            #expect(plot.contentType == "image/svg+xml" && String(decoding: plot.bytes, as: UTF8.self).contains("<svg"))
        }
    }

    @Test func theClusteringExampleMatchesScikitLearn() async throws {
        let (_, result, _) = try await run(try WorkflowExamples.workflow("clustering"))
        #expect(result.status == .completed, "\(String(describing: result.failure))")
        let metrics = try #require(result.evaluations["evaluate"]?.metrics)
        // scikit-learn 1.9.1: StandardScaler, then KMeans(3, n_init=10) on the 150 rows.
        #expect(abs(try #require(metrics["inertia"]) - 139.82049635974974) < 1e-6)
        #expect(abs(try #require(metrics["silhouette"]) - 0.45994823920518646) < 1e-9)
        #expect(abs(try #require(metrics["davies_bouldin"]) - 0.8335949464754334) < 1e-9)
        #expect(abs(try #require(metrics["calinski_harabasz"]) - 241.90440170183172) < 1e-6)
        let clusters = try #require(result.predictions["kmeans"]?["cluster"])
        #expect(clusters.count == 150)
        #expect(result.plots.map(\.kind) == [.clusterScatter])
    }

    @Test func aFailingNodeSkipsExactlyItsDescendants() async throws {
        var workflow = irisWorkflow()
        workflow.nodes += [
            node("knn", "model", ["algorithm": "knn", "hyperparameters": ["k": 500]]),
            node("evaluate-knn", "evaluate"),
            node("plots-knn", "visualize", ["plots": ["confusion_matrix"]]),
        ]
        workflow.edges += [edge("split", "knn"), edge("knn", "evaluate-knn"), edge("knn", "plots-knn"), edge("evaluate-knn", "plots-knn")]
        let (_, result, log) = try await run(workflow)
        #expect(result.status == .failed)
        #expect(result.failure?.nodeID == "knn")
        #expect(result.failure?.message.contains("500") == true, "\(String(describing: result.failure))")
        let states = result.nodes.mapValues(\.state)
        #expect(states == [
            "data": .completed, "scale": .completed, "split": .completed, "logistic": .completed,
            "evaluate": .completed, "plots": .completed,
            "knn": .failed, "evaluate-knn": .skipped, "plots-knn": .skipped,
        ])
        #expect(result.models.map(\.nodeID) == ["logistic"])
        #expect(log.statuses.filter { $0.1 == .skipped }.map(\.0).sorted() == ["evaluate-knn", "plots-knn"])
    }

    @Test func aFailingPreprocessingStepSkipsTheRestOfItsPath() async throws {
        var workflow = irisWorkflow()
        workflow.nodes.insert(node("drop", "preprocessing", ["method": "drop_columns", "parameters": ["columns": ["petal colour"]]]), at: 1)
        workflow.edges[0] = edge("data", "drop")
        workflow.edges.append(edge("drop", "scale"))
        let (_, result, _) = try await run(workflow)
        #expect(result.status == .failed)
        #expect(result.failure?.nodeID == "drop")
        #expect(result.failure?.code == "unknown_column")
        #expect(result.nodes["data"]?.state == .completed)
        for id in ["scale", "split", "logistic", "evaluate", "plots"] {
            #expect(result.nodes[id]?.state == .skipped, "\(id)")
        }
    }

    @Test func aDatasetThatCannotBeReadFailsItsNode() async throws {
        let (_, result, _) = try await run(irisWorkflow(), datasets: InMemoryDatasets([:]))
        #expect(result.failure?.nodeID == "data")
        #expect(result.failure?.code == "dataset_unavailable")
        #expect(result.nodes.values.filter { $0.state == .skipped }.count == 5)
    }

    @Test func cancellationStopsALongFit() async throws {
        var workflow = irisWorkflow()
        workflow.nodes[0].data = ["datasetId": "sample:digits", "targetColumn": "digit", "problemType": "classification"]
        workflow.nodes[3].data = ["algorithm": "random_forest", "hyperparameters": ["n_estimators": 2000]]
        // Cancel as soon as the forest reports progress.
        let (_, result, log) = try await run(workflow) { log in
            log.events.contains { if case .nodeProgress("logistic", _, _) = $0 { true } else { false } }
        }
        #expect(result.status == .cancelled)
        #expect(result.failure == nil)
        #expect(result.nodes["logistic"]?.state == .skipped)
        #expect(result.nodes["logistic"]?.message == "the job was cancelled")
        #expect(result.nodes["evaluate"]?.state == .skipped)
        #expect(result.models.isEmpty)
        // The fit stopped early: far fewer than the 2,000 trees' progress steps were reported.
        let progress = log.events.compactMap { if case .nodeProgress(_, let fraction, _) = $0 { fraction } else { nil } }
        #expect(progress.allSatisfy { $0 < 0.5 }, "\(progress)")
    }

    @Test func theCostFollowsTheDocumentedFormula() throws {
        let plan = try WorkflowValidator().validate(irisWorkflow())
        // base 10 + 1 preprocessing step + 1 plot + logistic regression (2) × 1 size unit.
        #expect(CreditPolicy().cost(of: plan, sizes: ["sample:iris": .init(rows: 150, columns: 5)]) == 14)
        // 100,000 rows × 20 columns are 20 size units.
        #expect(CreditPolicy().cost(of: plan, sizes: ["sample:iris": .init(rows: 100_000, columns: 20)]) == 12 + 2 * 20)
        var forest = irisWorkflow()
        forest.nodes[3].data = ["algorithm": "random_forest", "hyperparameters": ["n_estimators": 250]]
        let forestPlan = try WorkflowValidator().validate(forest)
        #expect(CreditPolicy().cost(of: forestPlan, sizes: [:]) == 12 + 8 * 3)
    }
}
