import Foundation
import Testing

@testable import LoomColumnar

/// Reading fixtures and ingesting text in the CSV tests.
enum CSVFixtures {
    static func path(_ name: String) -> String {
        let url = Bundle.module.url(forResource: "Fixtures/csv/\(name)", withExtension: nil)
        return url!.path
    }

    /// Ingests a fixture; returns the chunks and the outcome, or throws the CSVError.
    static func ingest(_ name: String, options: CSVOptions = CSVOptions()) throws -> (chunks: [CSVChunk], ingestion: CSVIngestion) {
        try ingest(source: CSVFileSource(path: path(name)), options: options)
    }

    static func ingest(text: String, options: CSVOptions = CSVOptions()) throws -> (chunks: [CSVChunk], ingestion: CSVIngestion) {
        try ingest(source: CSVMemorySource(text), options: options)
    }

    static func ingest(source: any CSVByteSource, options: CSVOptions) throws -> (chunks: [CSVChunk], ingestion: CSVIngestion) {
        var chunks: [CSVChunk] = []
        let ingestion = try CSVIngestor(options: options).ingest(source) { chunks.append($0) }
        return (chunks, ingestion)
    }

    /// The chunks' tables (decoded, for chunks an ingestion held only encoded).
    static func tables(_ chunks: [CSVChunk]) throws -> [Table] {
        try chunks.map { try $0.table() }
    }

    /// The tables an ingestion builds when it does not encode chunks: what its encoded
    /// chunks must decode to.
    static func unencodedTables(text: String, options: CSVOptions, ingestor: CSVIngestor = CSVIngestor()) throws -> [Table] {
        var ingestor = ingestor
        ingestor.options = options
        ingestor.options.encodesChunks = false
        var chunks: [CSVChunk] = []
        _ = try ingestor.ingest(CSVMemorySource(text)) { chunks.append($0) }
        #expect(chunks.allSatisfy { $0.encoded == nil })
        return try tables(chunks)
    }

    static func table(_ name: String, options: CSVOptions = CSVOptions()) throws -> Table {
        try CSVIngestor(options: options).loadTable(path: path(name)).table
    }

    /// The CSVError a fixture is refused with (nil when it is accepted), and whether any
    /// chunk reached the consumer before the error.
    static func error(_ name: String, options: CSVOptions = CSVOptions()) -> (error: CSVError?, chunksBeforeError: Int) {
        error(source: CSVFileSource(path: path(name)), options: options)
    }

    static func error(source: any CSVByteSource, options: CSVOptions = CSVOptions()) -> (error: CSVError?, chunksBeforeError: Int) {
        var chunks = 0
        do {
            _ = try CSVIngestor(options: options).ingest(source) { _ in chunks += 1 }
            return (nil, chunks)
        } catch let error as CSVError {
            return (error, chunks)
        } catch {
            Issue.record("unexpected error type: \(error)")
            return (nil, chunks)
        }
    }
}

extension Column {
    var stringValues: [String?] { (0..<count).map { string(at: $0) } }
    var doubleValues: [Double?] { (0..<count).map { double(at: $0) } }
    var integerValues: [Int64?] { (0..<count).map { integer(at: $0) } }
    var booleanValues: [Bool?] { (0..<count).map { boolean(at: $0) } }
}
