import LoomColumnar

/// Where the executor gets the table a dataset node names: sample files for a local run,
/// the chunks a worker fetched for a cluster run.
public protocol DatasetSource: Sendable {
    func table(for datasetID: String) async throws -> Table
}

/// Tables already in memory, by dataset id.
public struct InMemoryDatasets: DatasetSource {
    public var tables: [String: Table]

    public init(_ tables: [String: Table]) { self.tables = tables }

    public func table(for datasetID: String) async throws -> Table {
        guard let table = tables[datasetID] else { throw DatasetSourceError.unknownDataset(datasetID) }
        return table
    }
}

public enum DatasetSourceError: Error, Sendable, CustomStringConvertible {
    case unknownDataset(String)

    public var description: String {
        switch self {
        case .unknownDataset(let id): "the dataset '\(id)' is not available to this run"
        }
    }
}
