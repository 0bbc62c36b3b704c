import LoomColumnar

/// Datasets for a run on this machine: the bundled samples by id (`sample:iris`), and CSV
/// files by path. `overrides` maps a dataset id to a file or sample that stands in for it
/// (`loom run --dataset`), so a workflow written for the cluster runs unchanged.
public struct LocalDatasets: DatasetSource {
    public var overrides: [String: String]
    public var options: CSVOptions

    public init(overrides: [String: String] = [:], options: CSVOptions = CSVOptions()) {
        self.overrides = overrides
        self.options = options
    }

    public func table(for datasetID: String) async throws -> Table {
        try load(datasetID).table
    }

    /// The table and its ingestion (schema and profile) for `datasetID`.
    public func load(_ datasetID: String) throws(CSVError) -> (table: Table, ingestion: CSVIngestion) {
        let source = overrides[datasetID] ?? datasetID
        if SampleDatasets.entry(id: source) != nil {
            return try SampleDatasets.load(id: source, options: options)
        }
        return try CSVIngestor(options: options).loadTable(path: source)
    }
}
