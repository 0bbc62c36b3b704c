/// Reads a CSV file into typed columnar chunks and a profile, with bounded memory.
///
/// **Two passes.** Pass one reads the file block by block (blocks of whole rows, parsed
/// on `concurrency` threads) and checks everything: the header, quotes, field counts,
/// UTF-8, the size limit; it also settles each column's type and whether it has missing
/// values. Pass two reads the file again and builds chunks of those types, encodes them
/// and summarises them for the profile, again in parallel. So every input error is
/// thrown before the first chunk is handed over, every chunk has the same schema, and
/// memory holds a few blocks at a time (about `concurrency` × 2 blocks of at most
/// `rowsPerChunk` rows), never the file.
///
/// **Nothing half-stored.** `consume` sees chunks in order while pass two runs; the
/// ingestion has succeeded only when `ingest` returns its `CSVIngestion` (with the
/// profile). A consumer stages chunks and commits when `ingest` returns; if `ingest`
/// throws (a `CSVError`, or whatever `consume` threw), it discards them. Pass two can
/// still fail if the file changes between the passes (`source_changed`) or cannot be
/// read (`io_error`).
public struct CSVIngestor: Sendable {
    public var options: CSVOptions
    /// Target byte size of a read block (blocks also stop at `rowsPerChunk` rows).
    var blockBytes = 32 << 20

    public init(options: CSVOptions = CSVOptions()) {
        self.options = options
    }

    /// Ingests `source`, handing each chunk to `consume` in order, and returns the schema
    /// and profile. `target` names the column a model would predict; the profile then
    /// suggests a problem type for it (an unknown name is an `invalid_options` error).
    public func ingest(
        _ source: any CSVByteSource, target: String? = nil, consume: (CSVChunk) throws -> Void
    ) throws -> CSVIngestion {
        try options.validate()
        let scan = try firstPass(source)
        if let target, !scan.names.contains(target) {
            throw CSVError(.invalidOptions, "the target column '\(target)' is not in the file")
        }
        return try secondPass(source, scan: scan, target: target, consume: consume)
    }

    /// Ingests the file at `path`.
    public func ingest(path: String, target: String? = nil, consume: (CSVChunk) throws -> Void) throws -> CSVIngestion {
        try ingest(CSVFileSource(path: path), target: target, consume: consume)
    }

    /// Reads a whole (small) file into one table in memory, with its profile.
    public func loadTable(_ source: any CSVByteSource, target: String? = nil) throws(CSVError) -> (table: Table, ingestion: CSVIngestion) {
        var options = self.options
        options.encodesChunks = false
        var chunks: [Table] = []
        let ingestion: CSVIngestion
        do {
            ingestion = try CSVIngestor(options: options).ingest(source, target: target) { chunks.append($0.table) }
        } catch let error as CSVError {
            throw error
        } catch {
            throw CSVError(.ioError, "\(error)")  // unreachable: the consumer above never throws
        }
        return (Table.concatenating(chunks, schema: ingestion.schema), ingestion)
    }

    public func loadTable(path: String, target: String? = nil) throws(CSVError) -> (table: Table, ingestion: CSVIngestion) {
        try loadTable(CSVFileSource(path: path), target: target)
    }

    // MARK: - Pass one

    struct BlockInfo: Sendable {
        var byteCount: Int
        var rows: Int
        var newlines: Int
    }

    struct Scan: Sendable {
        var delimiter: UInt8
        var names: [String]
        /// Bytes before the first data block: byte order mark and header.
        var prefixBytes: Int
        var blocks: [BlockInfo]
        var inference: CSVInference
        var totalBytes: Int
    }

    func firstPass(_ source: any CSVByteSource) throws(CSVError) -> Scan {
        if let size = source.knownByteCount, size > options.maxFileBytes {
            throw CSVError(.fileTooLarge, "the file has \(size) bytes, more than the limit of \(options.maxFileBytes)")
        }
        let reader = CSVBlockReader(stream: try source.open(), maxFileBytes: options.maxFileBytes)
        let bom = try reader.skipByteOrderMark()
        try reader.fill(atLeast: 64 << 10)
        guard !reader.available.isEmpty else { throw CSVError(.emptyFile, "the file is empty") }
        let delimiter: UInt8
        switch options.delimiter {
        case .fixed(let byte): delimiter = byte
        case .auto: delimiter = CSVDelimiterDetector.detect(reader.available, isWholeFile: reader.atEnd)
        }
        let tokenizer = CSVTokenizer(delimiter: delimiter)

        // The header: the first record.
        let first = reader.available
        if first[0] == 10 || (first.count > 1 && first[0] == 13 && first[1] == 10) {
            throw CSVError(.missingHeader, line: 1, "the first line is blank; it must name the columns")
        }
        guard let headerLength = try reader.nextBlockLength(maxRecords: 1, targetBytes: 1, maxRowBytes: options.maxRowBytes) else {
            throw CSVError(.rowTooLong, line: 1, "the header is longer than \(options.maxRowBytes) bytes")
        }
        var header = CSVHeaderReader()
        let headerSummary = try tokenizer.tokenize(UnsafeRawBufferPointer(rebasing: reader.available[0..<headerLength]), visitor: &header, maxRows: 1)
        let names = header.names
        try Self.checkNames(names)
        reader.skip(headerLength)

        let parser = CSVValueParser(missingTokens: options.missingTokens)
        var inference = CSVInference(parser: parser, columnCount: names.count, raggedRows: options.raggedRows)
        var blocks: [BlockInfo] = []
        var lineBase = headerSummary.newlines
        let options = self.options
        while true {
            var batch: [[UInt8]] = []
            while batch.count < options.concurrency {
                guard let length = try reader.nextBlockLength(
                    maxRecords: options.rowsPerChunk, targetBytes: blockBytes, maxRowBytes: options.maxRowBytes)
                else {
                    // A quote that never closes looks like a long row to the splitter; let the
                    // tokenizer say which it is.
                    var probe = CSVInference(parser: parser, columnCount: names.count, raggedRows: .padAndTruncate)
                    do {
                        _ = try tokenizer.tokenize(reader.available, visitor: &probe)
                    } catch where error.code == .unexpectedQuote {
                        throw error.shifted(byLines: lineBase + batchNewlines(batch, tokenizer))
                    } catch {}
                    throw CSVError(.rowTooLong, line: lineBase + batchNewlines(batch, tokenizer) + 1,
                        "a row is longer than \(options.maxRowBytes) bytes")
                }
                if length == 0 { break }
                guard let block = try reader.take(length) else { break }
                batch.append(block)
            }
            if batch.isEmpty { break }
            let blocksRead = batch
            let results = csvParallelMap(count: batch.count, concurrency: options.concurrency) { index in
                Self.inferBlock(blocksRead[index], tokenizer: tokenizer, parser: parser, columnCount: names.count, raggedRows: options.raggedRows)
            }
            for (index, result) in results.enumerated() {
                switch result {
                case .failure(let error): throw error.shifted(byLines: lineBase)
                case .success(let (blockInference, summary)):
                    inference.merge(blockInference)
                    blocks.append(BlockInfo(byteCount: batch[index].count, rows: summary.rows, newlines: summary.newlines))
                    lineBase += summary.newlines
                }
            }
        }
        return Scan(
            delimiter: delimiter, names: names, prefixBytes: (bom ? 3 : 0) + headerLength, blocks: blocks,
            inference: inference, totalBytes: reader.totalRead)
    }

    /// Newlines in blocks already read but not yet counted (for an error's line).
    private func batchNewlines(_ batch: [[UInt8]], _ tokenizer: CSVTokenizer) -> Int {
        batch.reduce(0) { total, block in total + block.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } }
    }

    static func inferBlock(
        _ block: [UInt8], tokenizer: CSVTokenizer, parser: CSVValueParser, columnCount: Int, raggedRows: CSVOptions.RaggedRows
    ) -> Result<(CSVInference, CSVTokenizer.Summary), CSVError> {
        block.withUnsafeBytes { bytes in
            var inference = CSVInference(parser: parser, columnCount: columnCount, raggedRows: raggedRows)
            do {
                if UTF8Validation.isValid(bytes) {
                    let summary = try tokenizer.tokenize(bytes, visitor: &inference)
                    return .success((inference, summary))
                }
                var locator = CSVUTF8Locator(inner: inference)
                _ = try tokenizer.tokenize(bytes, visitor: &locator)
                return .failure(CSVError(.invalidUTF8, "the file is not valid UTF-8"))
            } catch let error as CSVError {
                return .failure(error)
            } catch {
                return .failure(CSVError(.ioError, "\(error)"))
            }
        }
    }

    static func checkNames(_ names: [String]) throws(CSVError) {
        guard names.count <= Int(UInt16.max) else {
            throw CSVError(.tooManyColumns, line: 1, "the file has \(names.count) columns; at most 65,535 are allowed")
        }
        var seen = [String: Int]()
        for (index, name) in names.enumerated() {
            if name.allSatisfy({ $0 == " " || $0 == "\t" }) {
                throw CSVError(.emptyColumnName, line: 1, column: index + 1, "column \(index + 1) has no name")
            }
            if let earlier = seen[name] {
                throw CSVError(.duplicateColumnName, line: 1, column: index + 1,
                    "the name '\(name)' is already used by column \(earlier + 1)")
            }
            seen[name] = index
        }
    }

    // MARK: - Pass two

    func secondPass(
        _ source: any CSVByteSource, scan: Scan, target: String?, consume: (CSVChunk) throws -> Void
    ) throws -> CSVIngestion {
        let inference = scan.inference
        let schema = scan.names.indices.map { index in
            ColumnSchema(name: scan.names[index], type: inference.kinds[index].columnType, isNullable: inference.missing[index] > 0)
        }
        let valueCounts = inference.missing.map { inference.rows - $0 }
        var profiler = DatasetProfiler(schema: schema, valueCounts: valueCounts, options: options.profile)
        let reader = CSVBlockReader(stream: try source.open(), maxFileBytes: options.maxFileBytes)
        guard let _ = try reader.take(scan.prefixBytes) else { throw Self.sourceChanged() }
        let parser = CSVValueParser(missingTokens: options.missingTokens)
        let tokenizer = CSVTokenizer(delimiter: scan.delimiter)
        let options = self.options
        let sampling = profiler.sampling
        var blockIndex = 0
        var firstRow = 0
        var chunkIndex = 0
        var lineBase = 0
        while blockIndex < scan.blocks.count {
            let infos = Array(scan.blocks[blockIndex..<min(blockIndex + options.concurrency, scan.blocks.count)])
            var batch: [[UInt8]] = []
            var starts: [Int] = []
            var row = firstRow
            for info in infos {
                guard let block = try reader.take(info.byteCount) else { throw Self.sourceChanged() }
                batch.append(block)
                starts.append(row)
                row += info.rows
            }
            let blocksRead = batch
            let firstRows = starts
            let results = csvParallelMap(count: batch.count, concurrency: options.concurrency) { index in
                Self.buildChunk(
                    blocksRead[index], expectedRows: infos[index].rows, firstRow: firstRows[index], tokenizer: tokenizer, parser: parser,
                    schema: schema, options: options, sampling: sampling)
            }
            for (index, result) in results.enumerated() {
                let built: BuiltChunk
                switch result {
                case .failure(let error): throw error.shifted(byLines: lineBase)
                case .success(let value): built = value
                }
                lineBase += infos[index].newlines
                guard built.table.rowCount == infos[index].rows else { throw Self.sourceChanged() }
                guard built.table.rowCount > 0 else { continue }
                profiler.merge(rows: built.table.rowCount, built.statistics)
                try consume(CSVChunk(index: chunkIndex, firstRow: starts[index], table: built.table, encoded: built.encoded))
                chunkIndex += 1
            }
            firstRow = row
            blockIndex += infos.count
        }
        // The file must end where it ended in pass one.
        try reader.fill(atLeast: 1)
        guard reader.available.isEmpty else { throw Self.sourceChanged() }
        return CSVIngestion(
            schema: schema, rowCount: firstRow, chunkCount: chunkIndex, byteCount: scan.totalBytes,
            delimiter: scan.delimiter, profile: profiler.finish(byteCount: scan.totalBytes, target: target))
    }

    struct BuiltChunk: Sendable {
        var table: Table
        var encoded: [UInt8]?
        var statistics: [ColumnStatistics]
    }

    static func buildChunk(
        _ block: [UInt8], expectedRows: Int, firstRow: Int, tokenizer: CSVTokenizer, parser: CSVValueParser,
        schema: [ColumnSchema], options: CSVOptions, sampling: [SampleRule]
    ) -> Result<BuiltChunk, CSVError> {
        var builder = CSVChunkBuilder(
            parser: parser, schema: schema, raggedRows: options.raggedRows, expectedRows: expectedRows,
            maxDictionaryEntries: options.maxDictionaryEntries)
        let failure: CSVError? = block.withUnsafeBytes { (bytes) -> CSVError? in
            do throws(CSVError) {
                _ = try tokenizer.tokenize(bytes, visitor: &builder)
                return nil
            } catch {
                return error
            }
        }
        if let failure { return .failure(failure) }
        let table = builder.table()
        var encoded: [UInt8]? = nil
        if options.encodesChunks {
            do {
                encoded = try ChunkEncoder().encode(table)
            } catch {
                return .failure(CSVError(.invalidOptions, "the chunk cannot be encoded: \(error)"))
            }
        }
        let statistics = DatasetProfiler.statistics(of: table, firstRow: firstRow, sampling: sampling, options: options.profile)
        return .success(BuiltChunk(table: table, encoded: encoded, statistics: statistics))
    }

    static func sourceChanged() -> CSVError {
        CSVError(.sourceChanged, "the file changed between the two passes of the ingestion")
    }
}

/// One chunk of an ingestion: at most `rowsPerChunk` rows, in file order.
public struct CSVChunk: Sendable {
    public let index: Int
    /// The dataset row number of the chunk's first row.
    public let firstRow: Int
    public let table: Table
    /// The chunk in the format of proto/CHUNKS.md, when `CSVOptions.encodesChunks`.
    public let encoded: [UInt8]?
}

/// The outcome of a successful ingestion.
public struct CSVIngestion: Sendable {
    /// The schema of every chunk.
    public let schema: [ColumnSchema]
    public let rowCount: Int
    public let chunkCount: Int
    /// Bytes of the source, BOM and header included.
    public let byteCount: Int
    public let delimiter: UInt8
    public let profile: DatasetProfile
}
