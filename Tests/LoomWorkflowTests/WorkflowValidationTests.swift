import Foundation
import LoomColumnar
import LoomML
import LoomWorkflow
import Testing

/// Each test breaks exactly one rule of a valid workflow and expects exactly that issue.
@Suite struct WorkflowValidationTests {
    /// Asserts that `workflow` has exactly one issue, with this code, node and field.
    func expectOnly(
        _ workflow: Workflow, _ code: ValidationIssue.Code, node: String?, field: String? = nil,
        mentioning words: [String] = [], datasets: [String: DatasetInfo]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let found = issues(workflow, datasets: datasets)
        #expect(found.count == 1, "expected only \(code), got \(found)", sourceLocation: sourceLocation)
        guard let issue = found.first else { return }
        #expect(issue.code == code, "\(issue)", sourceLocation: sourceLocation)
        #expect(issue.nodeID == node, "\(issue)", sourceLocation: sourceLocation)
        #expect(issue.field == field, "\(issue)", sourceLocation: sourceLocation)
        for word in words {
            #expect(issue.message.contains(word), "'\(issue.message)' should mention \(word)", sourceLocation: sourceLocation)
        }
    }

    @Test func theBaseWorkflowAndTheExamplesAreValid() throws {
        #expect(issues(irisWorkflow()).isEmpty)
        for name in WorkflowExamples.names {
            let workflow = try WorkflowExamples.workflow(name)
            #expect(issues(workflow).isEmpty, "\(name): \(issues(workflow))")
        }
    }

    // MARK: - The document

    @Test func malformedDocumentsSayWhere() {
        func parseError(_ text: String) -> [ValidationIssue] {
            do {
                _ = try Workflow.parse(json: Array(text.utf8))
                return []
            } catch { return error.issues }
        }
        #expect(parseError("{nodes: [}").map(\.code) == [.invalidDocument])
        #expect(parseError("{\"edges\": []}").first?.message == "the workflow has no 'nodes'")
        #expect(parseError("{\"nodes\": [{\"type\": \"dataset\"}], \"edges\": []}").first?.message == "nodes[0] has no 'id'")
        #expect(parseError("{\"nodes\": [], \"edges\": {}}").first?.message == "edges should be an array")
        #expect(issues(Workflow(nodes: [], edges: [])).map(\.code) == [.emptyWorkflow])
    }

    // MARK: - Structure

    @Test func duplicateNodeIDs() {
        var workflow = irisWorkflow()
        workflow.nodes.append(node("plots", "visualize", ["plots": ["roc_curve"]]))
        expectOnly(workflow, .duplicateNodeID, node: "plots", field: "id")
    }

    @Test func emptyNodeID() {
        var workflow = irisWorkflow()
        workflow.nodes[5].id = " "
        workflow.edges[4].target = " "
        expectOnly(workflow, .invalidNodeID, node: " ", field: "id")
    }

    @Test func unknownNodeType() {
        var workflow = irisWorkflow()
        workflow.nodes[5].type = "chart"
        expectOnly(workflow, .unknownNodeType, node: "plots", field: "type", mentioning: ["chart", "visualize"])
    }

    @Test func edgesNamingUnknownNodes() {
        var workflow = irisWorkflow()
        workflow.edges.append(edge("logistic", "ghost"))
        expectOnly(workflow, .unknownEdgeEndpoint, node: nil, field: "edges.target", mentioning: ["ghost"])
    }

    @Test func duplicateEdgeIDs() {
        var workflow = irisWorkflow()
        workflow.edges[0].id = "same"
        workflow.edges[1].id = "same"
        expectOnly(workflow, .duplicateEdgeID, node: nil, field: "edges", mentioning: ["same"])
    }

    @Test func selfLoops() {
        var workflow = irisWorkflow()
        workflow.edges.append(edge("scale", "scale"))
        expectOnly(workflow, .selfLoop, node: "scale", field: "edges")
    }

    @Test func repeatedEdges() {
        var workflow = irisWorkflow()
        workflow.edges.append(edge("data", "scale", id: "again"))
        expectOnly(workflow, .duplicateEdge, node: "scale", field: "edges")
    }

    @Test func noDatasetNode() {
        var workflow = irisWorkflow()
        workflow.nodes.removeFirst()
        workflow.edges.removeFirst()
        let found = issues(workflow)
        // Without a dataset the scale node also lacks its input; the first issue says why.
        #expect(found.map(\.code) == [.noDataset, .missingInput])
    }

    @Test func noModelNode() {
        let workflow = Workflow(
            nodes: [node("data", "dataset", ["datasetId": "sample:iris", "targetColumn": "species", "problemType": "classification"]),
                    node("split", "split")],
            edges: [edge("data", "split")])
        expectOnly(workflow, .noModel, node: nil)
    }

    @Test func orphanNodes() {
        var workflow = irisWorkflow()
        workflow.nodes.append(node("lonely", "visualize", ["plots": ["roc_curve"]]))
        expectOnly(workflow, .orphanNode, node: "lonely", mentioning: ["not connected"])
    }

    @Test func cyclesAreReportedWithTheirNodes() {
        var workflow = irisWorkflow()
        workflow.nodes.insert(node("impute", "preprocessing", ["method": "simple_imputer", "parameters": [:]]), at: 2)
        workflow.edges[1] = edge("scale", "impute")
        workflow.edges.append(edge("impute", "scale"))
        workflow.edges.append(edge("impute", "split"))
        let found = issues(workflow)
        let cycle = found.filter { $0.code == .cycle }
        #expect(cycle.count == 1, "\(found)")
        #expect(cycle.first?.message.contains("scale → impute → scale") == true || cycle.first?.message.contains("impute → scale → impute") == true, "\(cycle)")
    }

    // MARK: - Connections

    @Test func connectionsMustMatchTypes() {
        var workflow = irisWorkflow()
        workflow.edges.append(edge("split", "evaluate"))
        let found = issues(workflow)
        #expect(found.map(\.code) == [.invalidConnection, .tooManyInputs], "\(found)")
        #expect(found.first?.nodeID == "evaluate")
        #expect(found.first?.message.contains("a split node ('split') cannot feed a evaluate node") == true)
    }

    @Test func aModelNeedsASplitUnlessItClusters() {
        var workflow = irisWorkflow()
        workflow.edges[1] = edge("scale", "logistic")
        workflow.edges.remove(at: 2)
        workflow.nodes.remove(at: 2)
        expectOnly(workflow, .missingSplit, node: "logistic", mentioning: ["classification", "split"])

        // The same shape clusters without a split.
        var clustering = workflow
        clustering.nodes[0].data["problemType"] = "clustering"
        clustering.nodes[2].data = ["algorithm": "kmeans", "hyperparameters": ["k": 3]]
        clustering.nodes[3].data = ["metrics": ["silhouette"]]
        clustering.nodes[4].data = ["plots": ["cluster_scatter"]]
        #expect(issues(clustering).isEmpty, "\(issues(clustering))")
    }

    @Test func aNodeWithoutItsInput() {
        var workflow = irisWorkflow()
        workflow.edges.remove(at: 2)  // split → logistic
        let found = issues(workflow)
        #expect(found.map(\.code) == [.missingInput], "\(found)")
        #expect(found.first?.nodeID == "logistic")
    }

    @Test func oneInputPerNode() {
        var workflow = irisWorkflow()
        workflow.nodes.append(node("split-2", "split", ["testSize": 0.2]))
        workflow.edges.append(edge("scale", "split-2"))
        workflow.edges.append(edge("split-2", "logistic"))
        let found = issues(workflow)
        #expect(found.map(\.code).contains(.tooManyInputs), "\(found)")
        #expect(found.first { $0.code == .tooManyInputs }?.nodeID == "logistic")
    }

    @Test func preprocessingDoesNotBranch() {
        var workflow = irisWorkflow()
        workflow.nodes.append(node("split-2", "split"))
        workflow.nodes.append(node("tree", "model", ["algorithm": "decision_tree"]))
        workflow.edges += [edge("scale", "split-2"), edge("split-2", "tree")]
        expectOnly(workflow, .branchBeforeSplit, node: "scale")
    }

    @Test func aVisualizeNodeDrawsOneModel() {
        var workflow = irisWorkflow()
        workflow.nodes.append(node("tree", "model", ["algorithm": "decision_tree"]))
        workflow.edges += [edge("split", "tree"), edge("tree", "plots")]
        expectOnly(workflow, .tooManyInputs, node: "plots")

        // Its model and that model's evaluate node together are fine.
        var both = irisWorkflow()
        both.edges.append(edge("evaluate", "plots"))
        #expect(issues(both).isEmpty)
    }

    @Test func oneSplitFeedsSeveralModels() {
        var workflow = irisWorkflow()
        workflow.nodes += [
            node("forest", "model", ["algorithm": "random_forest", "hyperparameters": ["n_estimators": 10]]),
            node("evaluate-forest", "evaluate"),
        ]
        workflow.edges += [edge("split", "forest"), edge("forest", "evaluate-forest")]
        #expect(issues(workflow).isEmpty)
    }

    // MARK: - Configuration

    @Test func requiredFields() {
        var workflow = irisWorkflow()
        workflow.nodes[0].data["datasetId"] = nil
        expectOnly(workflow, .missingField, node: "data", field: "datasetId")

        workflow = irisWorkflow()
        workflow.nodes[0].data["targetColumn"] = nil
        expectOnly(workflow, .missingField, node: "data", field: "targetColumn")

        workflow = irisWorkflow()
        workflow.nodes[3].data["algorithm"] = nil
        expectOnly(workflow, .missingField, node: "logistic", field: "algorithm")

        workflow = irisWorkflow()
        workflow.nodes[1].data["method"] = 3
        expectOnly(workflow, .invalidField, node: "scale", field: "method")
    }

    @Test func unknownFieldsAreTypos() {
        var workflow = irisWorkflow()
        workflow.nodes[2].data = ["testsize": 0.3, "label": "Split 70/30"]
        expectOnly(workflow, .unknownField, node: "split", field: "testsize", mentioning: ["testSize"])
    }

    @Test func problemTypes() {
        var workflow = irisWorkflow()
        workflow.nodes[0].data["problemType"] = "ranking"
        expectOnly(workflow, .unknownProblemType, node: "data", field: "problemType")
    }

    @Test func valuesInRange() {
        var workflow = irisWorkflow()
        workflow.nodes[2].data["testSize"] = 0.7
        expectOnly(workflow, ValidationIssue.Code(rawValue: "invalid_parameter"), node: "split", field: "test_size", mentioning: ["0.1", "0.5"])
    }

    @Test func preprocessingParameters() {
        var workflow = irisWorkflow()
        workflow.nodes[1].data = ["method": "minmax_scaler", "parameters": ["feature_range": [1, 0]]]
        let found = issues(workflow)
        #expect(found.count == 1 && found[0].nodeID == "scale" && found[0].field == "parameters.feature_range", "\(found)")

        workflow.nodes[1].data = ["method": "standard_scalar"]
        expectOnly(workflow, ValidationIssue.Code(rawValue: "unknown_method"), node: "scale", field: "method")
    }

    @Test func algorithmsBelongToTheProblemType() {
        var workflow = irisWorkflow()
        workflow.nodes[3].data["algorithm"] = "ridge"
        expectOnly(workflow, .unknownAlgorithm, node: "logistic", field: "algorithm", mentioning: ["classification", "logistic_regression"])
    }

    @Test func hyperparametersAreKnownAndInRange() {
        var workflow = irisWorkflow()
        workflow.nodes[3].data["hyperparameters"] = ["C": -1]
        expectOnly(workflow, ValidationIssue.Code(rawValue: "invalid_hyperparameter"), node: "logistic", field: "hyperparameters.C")

        workflow.nodes[3].data["hyperparameters"] = ["n_estimators": 10]
        let found = issues(workflow)
        #expect(found.count == 1 && found[0].field == "hyperparameters.n_estimators", "\(found)")
    }

    @Test func metricsSuitTheProblemType() {
        var workflow = irisWorkflow()
        workflow.nodes[4].data["metrics"] = ["accuracy", "r2"]
        expectOnly(workflow, .metricNotApplicable, node: "evaluate", field: "metrics", mentioning: ["r2", "regression"])

        workflow.nodes[4].data["metrics"] = ["acuracy"]
        expectOnly(workflow, .unknownMetric, node: "evaluate", field: "metrics")
    }

    @Test func plotsSuitTheProblemAndTheModel() {
        var workflow = irisWorkflow()
        workflow.nodes[5].data["plots"] = ["residuals"]
        expectOnly(workflow, .plotNotApplicable, node: "plots", field: "plots", mentioning: ["regression"])

        workflow = irisWorkflow()
        workflow.nodes[3].data = ["algorithm": "knn"]
        workflow.nodes[5].data["plots"] = ["feature_importance"]
        expectOnly(workflow, .plotNotApplicable, node: "plots", field: "plots", mentioning: ["knn"])

        workflow.nodes[5].data["plots"] = ["pie_chart"]
        expectOnly(workflow, .unknownPlot, node: "plots", field: "plots")

        workflow = irisWorkflow()
        workflow.nodes[5].data["formats"] = ["png", "gif"]
        expectOnly(workflow, .unknownPlotFormat, node: "plots", field: "formats", mentioning: ["gif"])
    }

    @Test func everyProblemIsReportedAtOnce() {
        var workflow = irisWorkflow()
        workflow.nodes[2].data["testSize"] = 2
        workflow.nodes[3].data["algorithm"] = "deep_learning"
        workflow.nodes[4].data["metrics"] = ["r2"]
        workflow.edges.append(edge("plots", "plots"))
        let codes = Set(issues(workflow).map(\.code.rawValue))
        #expect(codes == ["invalid_parameter", "unknown_algorithm", "metric_not_applicable", "self_loop"])
    }

    // MARK: - Datasets, when profiles are at hand

    func irisInfo() throws -> [String: DatasetInfo] {
        let (_, ingestion) = try SampleDatasets.load(id: "sample:iris")
        return ["sample:iris": DatasetInfo(status: .ready, profile: ingestion.profile)]
    }

    @Test func theDatasetMustExistAndBeReady() throws {
        expectOnly(irisWorkflow(), .datasetNotFound, node: "data", field: "datasetId", datasets: [:])
        var info = try irisInfo()
        #expect(issues(irisWorkflow(), datasets: info).isEmpty)
        info["sample:iris"]!.status = .ingesting
        expectOnly(irisWorkflow(), .datasetNotReady, node: "data", field: "datasetId", mentioning: ["ingesting"], datasets: info)
    }

    @Test func theTargetMustExistAndSuitTheProblem() throws {
        var workflow = irisWorkflow()
        workflow.nodes[0].data["targetColumn"] = "colour"
        expectOnly(workflow, .unknownTargetColumn, node: "data", field: "targetColumn", mentioning: ["sepal length (cm)"], datasets: try irisInfo())

        // species is text: not a regression target.
        workflow = irisWorkflow()
        workflow.nodes[0].data["problemType"] = "regression"
        workflow.nodes[3].data = ["algorithm": "ridge"]
        workflow.nodes[4].data = ["metrics": ["r2"]]
        workflow.nodes[5].data = ["plots": ["residuals"]]
        expectOnly(workflow, .unsuitableTarget, node: "data", field: "targetColumn", mentioning: ["regression"], datasets: try irisInfo())

        // A continuous column is not a set of classes.
        workflow = irisWorkflow()
        workflow.nodes[0].data = ["datasetId": "sample:diabetes", "targetColumn": "progression", "problemType": "classification"]
        let (_, diabetes) = try SampleDatasets.load(id: "sample:diabetes")
        let info = ["sample:diabetes": DatasetInfo(status: .ready, profile: diabetes.profile)]
        expectOnly(workflow, .unsuitableTarget, node: "data", field: "targetColumn", mentioning: ["too many"], datasets: info)
    }
}

@Suite struct WorkflowDocumentationTests {
    /// The docs page shows the three examples in full; they must be the files that ship.
    @Test func theReadmeShowsTheShippedExamples() throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/LoomWorkflow/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for name in WorkflowExamples.names {
            let example = String(decoding: try WorkflowExamples.json(name), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(text.contains(example), "README.md does not show Examples/\(name).json as shipped")
        }
    }

    @Test func theSchemaIsJSONAndListsEveryNodeType() throws {
        let schema = try JSONSerialization.jsonObject(with: Data(try WorkflowExamples.schema())) as? [String: Any]
        let defs = try #require(schema?["$defs"] as? [String: Any])
        let node = try #require(defs["node"] as? [String: Any])
        let type = try #require((node["properties"] as? [String: Any])?["type"] as? [String: Any])
        #expect(type["enum"] as? [String] == NodeType.allCases.map(\.rawValue))
        let model = try #require(((defs["modelData"] as? [String: Any])?["properties"] as? [String: Any])?["algorithm"] as? [String: Any])
        let algorithms = Set(ProblemType.allCases.flatMap { ModelCatalog.algorithms(for: $0) })
        #expect(Set(model["enum"] as? [String] ?? []) == algorithms)
    }
}
