import Foundation

/// The small datasets that ship inside Loom (Sources/LoomColumnar/Samples, with their
/// source notes in README.md there), loaded by id such as `sample:iris`.
public enum SampleDatasets {
    public struct Entry: Sendable, Equatable {
        /// `sample:NAME`.
        public let id: String
        public let name: String
        public let fileName: String
        public let rows: Int
        public let columns: Int
        public let target: String
        public let problemType: ProblemType
        public let source: String
    }

    public static let all: [Entry] = [
        Entry(id: "sample:iris", name: "Iris", fileName: "iris.csv", rows: 150, columns: 5, target: "species",
            problemType: .classification, source: "R. A. Fisher's iris data (1936), as shipped with scikit-learn; public domain."),
        Entry(id: "sample:wine", name: "Wine", fileName: "wine.csv", rows: 178, columns: 14, target: "cultivar",
            problemType: .classification, source: "UCI Wine recognition data (Forina et al.), as shipped with scikit-learn."),
        Entry(id: "sample:breast_cancer", name: "Breast cancer", fileName: "breast_cancer.csv", rows: 569, columns: 31,
            target: "diagnosis", problemType: .classification,
            source: "UCI Breast Cancer Wisconsin (Diagnostic), as shipped with scikit-learn."),
        Entry(id: "sample:diabetes", name: "Diabetes", fileName: "diabetes.csv", rows: 442, columns: 11, target: "progression",
            problemType: .regression, source: "Efron et al. diabetes data (2004), original units, as shipped with scikit-learn."),
        Entry(id: "sample:digits", name: "Digits", fileName: "digits.csv", rows: 1797, columns: 65, target: "digit",
            problemType: .classification,
            source: "UCI optical recognition of handwritten digits (8x8), as shipped with scikit-learn."),
        Entry(id: "sample:penguins", name: "Palmer penguins", fileName: "penguins.csv", rows: 344, columns: 8, target: "species",
            problemType: .classification,
            source: "Palmer Archipelago penguins (Gorman, Williams & Fraser 2014), from the palmerpenguins package; CC0. Has missing values and string categoricals."),
        Entry(id: "sample:cars", name: "Cars (Auto MPG)", fileName: "cars.csv", rows: 406, columns: 9, target: "Miles_per_Gallon",
            problemType: .regression,
            source: "Auto MPG data (UCI, 1983), from the vega_datasets package. Missing values in the target and in Horsepower; Origin is categorical."),
    ]

    public static func entry(id: String) -> Entry? { all.first { $0.id == id } }

    /// The bundled file of a sample.
    public static func path(id: String) throws(CSVError) -> String {
        guard let entry = entry(id: id) else {
            throw CSVError(.invalidOptions,
                "no sample dataset has the id '\(id)'; known ids: \(all.map(\.id).joined(separator: ", "))")
        }
        let name = (entry.fileName as NSString).deletingPathExtension
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Samples")
            ?? Bundle.module.url(forResource: name, withExtension: "csv")
        else {
            throw CSVError(.ioError, "the sample file \(entry.fileName) is missing from the package resources")
        }
        return url.path
    }

    /// Loads a sample into one table through the CSV reader; the profile suggests a
    /// problem type for the sample's target.
    public static func load(id: String, options: CSVOptions = CSVOptions()) throws(CSVError) -> (table: Table, ingestion: CSVIngestion) {
        let path = try path(id: id)
        return try CSVIngestor(options: options).loadTable(path: path, target: entry(id: id)!.target)
    }
}
