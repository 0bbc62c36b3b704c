import Foundation
import LoomColumnar
import LoomML
import Testing

/// The sample datasets, read by the CSV reader and prepared by the pipeline with exactly
/// the preprocessing and test rows scikit-learn's reference results used.
@Suite("Reference preprocessing on the sample datasets")
struct ReferencePipelineTests {
    static let files = (try? ReferenceFile.all()) ?? []

    @Test("the reference files are all there")
    func referenceFilesPresent() {
        #expect(Set(Self.files.map(\.dataset)) == [
            "breast_cancer.csv", "cars.csv", "diabetes.csv", "digits.csv", "iris.csv", "penguins.csv", "wine.csv",
        ])
    }

    @Test("each sample prepares with the reference's steps and split", arguments: files.map(\.dataset))
    func prepares(dataset: String) throws {
        let file = try #require(Self.files.first { $0.dataset == dataset })
        var seen: Set<String> = []
        for result in file.results {
            let key = result.preprocessing.map { "\($0.method)\($0.parameters)" }.joined(separator: "|")
            guard seen.insert(key).inserted else { continue }
            let data = try file.prepare(result.preprocessing)

            #expect(data.test.count == file.split.testRows.count)
            #expect(data.train.count + data.test.count == data.rowsAfterFilters)
            #expect(Set(data.test.positions) == Set(file.split.testRows))
            #expect(data.train.features.values.allSatisfy { $0.isFinite })
            #expect(data.test.features.values.allSatisfy { $0.isFinite })
            #expect(!data.featureNames.contains(file.target))

            if file.problemType == .classification, case .array(let labels)? = result.metrics["labels"] {
                #expect(data.labels == labels.compactMap { if case .string(let label) = $0 { label } else { nil } })
            }
            // Scaled columns have mean 0 and standard deviation 1 over the training rows only.
            for step in result.preprocessing where step.method == "standard_scaler" {
                guard case .array(let columns)? = step.parameters["columns"] else { continue }
                for case .string(let name) in columns {
                    let index = try #require(data.featureNames.firstIndex(of: name))
                    let values = data.train.features.column(index)
                    let mean = values.reduce(0, +) / Double(values.count)
                    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
                    #expect(abs(mean) < 1e-9)
                    #expect(abs(variance - 1) < 1e-9 || variance == 0)
                }
            }
        }
    }
}
