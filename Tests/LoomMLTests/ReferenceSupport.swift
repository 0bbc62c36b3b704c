import Foundation
import LoomColumnar
import LoomML

/// scikit-learn 1.9.1's results on the sample datasets (a copy of the shared reference
/// folder, in Fixtures/reference): the test rows of a fixed split and, per algorithm, the
/// preprocessing applied and the test-set metrics.
struct ReferenceFile: Decodable {
    struct Split: Decodable {
        var testRows: [Int]
        enum CodingKeys: String, CodingKey { case testRows = "test_rows" }
    }

    struct Step: Decodable {
        var method: String
        var parameters: [String: JSONValue]
    }

    struct Result: Decodable {
        var algorithm: String
        var hyperparameters: [String: JSONValue]
        var preprocessing: [Step]
        var metrics: [String: JSONValue]
    }

    var dataset: String
    var target: String
    var problemType: ProblemType
    var split: Split
    var results: [Result]
    /// k-means on all rows (no split), where the reference has it.
    var clustering: [Result]?

    /// Every reference file, by dataset file name ("iris.csv").
    static func all() throws -> [ReferenceFile] {
        let folder = try require(Bundle.module.url(forResource: "Fixtures/reference", withExtension: nil), "Fixtures/reference")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { try JSONDecoder().decode(ReferenceFile.self, from: Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    var sampleID: String { "sample:" + dataset.replacingOccurrences(of: ".csv", with: "") }

    /// The sample, prepared with `steps` and the reference's test rows; for clustering,
    /// every row and no target.
    func prepare(_ steps: [Step], clustering: Bool = false) throws -> PreparedData {
        var (table, _) = try SampleDatasets.load(id: sampleID)
        let nodes = steps.enumerated().map { index, step in
            PreprocessingNode(id: "step-\(index + 1)", method: step.method, parameters: step.parameters)
        }
        if clustering {
            table = try Table(columns: table.columns.filter { $0.name != target })
            return try DataPipeline(target: nil, problemType: .clustering, nodes: nodes, split: .none).prepare(table)
        }
        let pipeline = try DataPipeline(target: target, problemType: problemType, nodes: nodes, split: .testRows(split.testRows))
        return try pipeline.prepare(table)
    }
}

enum ReferenceError: Error { case missing(String) }

func require<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw ReferenceError.missing(what) }
    return value
}
