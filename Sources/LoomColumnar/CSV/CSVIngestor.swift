import Synchronization

/// Reads a CSV file into typed columnar chunks and a profile, with bounded memory.
///
/// **Two passes.** Pass one reads the file block by block (blocks of whole rows, parsed
/// on `concurrency` threads, see `csvPipeline`) and checks everything: the header, quotes, field counts,
/// UTF-8, the size limit; it also settles each column's type and whether it has missing
/// values. Pass two reads the file again and builds chunks of those types, encodes them
/// and summarises them for the profile, again in parallel. So every input error is
/// thrown before the first chunk is handed over, every chunk has the same schema, and
/// memory holds a few blocks at a time (`concurrency` + 1 blocks of at most
/// `rowsPerChunk` rows, with their chunks), never the file.
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
        let blockBytes = self.blockBytes
        let columnCount = names.count
        // Touched only inside `read`, which the pipeline calls under its lock.
        nonisolated(unsafe) let blockReader = reader
        nonisolated(unsafe) var readFailed = false
        try Self.run(concurrency: options.concurrency) { () -> PassOneInput? in
            guard !readFailed else { return nil }
            do throws(CSVError) {
                guard let length = try blockReader.nextBlockLength(
                    maxRecords: options.rowsPerChunk, targetBytes: blockBytes, maxRowBytes: options.maxRowBytes)
                else {
                    readFailed = true
                    return .failure(Self.overlongRow(blockReader.available, tokenizer: tokenizer, parser: parser, columnCount: columnCount, options: options))
                }
                if length == 0 { return nil }
                guard let block = try blockReader.take(length) else { return nil }
                return .block(block)
            } catch {
                readFailed = true
                return .failure(error)
            }
        } work: { (input) -> Result<(CSVInference, CSVTokenizer.Summary, Int), CSVError> in
            switch input {
            case .failure(let error): return .failure(error)
            case .block(let block):
                return Self.inferBlock(block, tokenizer: tokenizer, parser: parser, columnCount: columnCount, raggedRows: options.raggedRows)
                    .map { ($0.0, $0.1, block.count) }
            }
        } deliver: { (result: Result<(CSVInference, CSVTokenizer.Summary, Int), CSVError>) throws(CSVError) -> Bool in
            switch result {
            case .failure(let error): throw error.shifted(byLines: lineBase)
            case .success(let (blockInference, summary, byteCount)):
                inference.merge(blockInference)
                blocks.append(BlockInfo(byteCount: byteCount, rows: summary.rows, newlines: summary.newlines))
                lineBase += summary.newlines
                return true
            }
        }
        return Scan(
            delimiter: delimiter, names: names, prefixBytes: (bom ? 3 : 0) + headerLength, blocks: blocks,
            inference: inference, totalBytes: reader.totalRead)
    }

    enum PassOneInput: Sendable {
        case block([UInt8])
        case failure(CSVError)
    }

    /// The error for a row the block splitter found longer than `maxRowBytes`, with its
    /// line counted from the start of `rest`: a quote that never closes looks like a long
    /// row to the splitter, so the tokenizer says which it is.
    static func overlongRow(
        _ rest: UnsafeRawBufferPointer, tokenizer: CSVTokenizer, parser: CSVValueParser, columnCount: Int, options: CSVOptions
    ) -> CSVError {
        var probe = CSVInference(parser: parser, columnCount: columnCount, raggedRows: .padAndTruncate)
        do {
            _ = try tokenizer.tokenize(rest, visitor: &probe)
        } catch where error.code == .unexpectedQuote {
            return error
        } catch {}
        return CSVError(.rowTooLong, line: 1, "a row is longer than \(options.maxRowBytes) bytes")
    }

    /// Runs the pipeline with the window that bounds an ingestion's memory: a block per
    /// thread in flight and one more, so a thread finishing its block finds the next one
    /// free to read while the caller takes the results in order.
    static func run<Input: Sendable, Output: Sendable>(
        concurrency: Int,
        read: @escaping @Sendable () -> Input?,
        work: @escaping @Sendable (Input) -> Output,
        deliver: (Output) throws(CSVError) -> Bool
    ) throws(CSVError) {
        do {
            try csvPipeline(concurrency: concurrency, window: concurrency + 1, read: read, work: work, deliver: deliver)
        } catch let error as CSVError {
            throw error
        } catch {
            throw CSVError(.ioError, "\(error)")  // unreachable: `deliver` throws only CSVError
        }
    }

    static func inferBlock(
        _ block: [UInt8], tokenizer: CSVTokenizer, parser: CSVValueParser, columnCount: Int, raggedRows: CSVOptions.RaggedRows
    ) -> Result<(CSVInference, CSVTokenizer.Summary), CSVError> {
        block.withUnsafeBytes { bytes in
            var inference = CSVInference(parser: parser, columnCount: columnCount, raggedRows: raggedRows)
            do {
                if UTF8Validation.isValid(bytes) {
                    let summary = try inference.infer(bytes, tokenizer: tokenizer)
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
        let blocks = scan.blocks
        var chunkIndex = 0
        var lineBase = 0
        var rowCount = 0
        var consumerError: (any Error)? = nil
        // Touched only inside `read`, which the pipeline calls under its lock.
        nonisolated(unsafe) let blockReader = reader
        nonisolated(unsafe) var nextBlock = 0
        nonisolated(unsafe) var nextRow = 0
        // Columns whose distinct count is an estimate already, as of the chunks delivered.
        let estimatedDistinct = Mutex(profiler.distinctIsEstimated)
        try Self.run(concurrency: options.concurrency) { () -> PassTwoInput? in
            guard nextBlock < blocks.count else { return nil }
            let info = blocks[nextBlock]
            let firstRow = nextRow
            nextBlock += 1
            nextRow += info.rows
            do throws(CSVError) {
                guard let block = try blockReader.take(info.byteCount) else {
                    nextBlock = blocks.count
                    return PassTwoInput(block: .failure(Self.sourceChanged()), info: info, firstRow: firstRow)
                }
                return PassTwoInput(block: .success(block), info: info, firstRow: firstRow)
            } catch {
                nextBlock = blocks.count
                return PassTwoInput(block: .failure(error), info: info, firstRow: firstRow)
            }
        } work: { input in
            input.block.flatMap { block in
                Self.buildChunk(
                    block, expectedRows: input.info.rows, firstRow: input.firstRow, tokenizer: tokenizer, parser: parser,
                    schema: schema, options: options, sampling: sampling, estimatedDistinct: estimatedDistinct.withLock { $0 })
            }.map { (input.info, input.firstRow, $0) }  // not the block: it is freed here
        } deliver: { (result) throws(CSVError) -> Bool in
            let (info, firstRow, built): (BlockInfo, Int, BuiltChunk)
            switch result {
            case .failure(let error): throw error.shifted(byLines: lineBase)
            case .success(let value): (info, firstRow, built) = value
            }
            lineBase += info.newlines
            guard built.table.rowCount == info.rows else { throw Self.sourceChanged() }
            rowCount += built.table.rowCount
            guard built.table.rowCount > 0 else { return true }
            profiler.merge(rows: built.table.rowCount, built.statistics)
            estimatedDistinct.withLock { $0 = profiler.distinctIsEstimated }
            do {
                try consume(CSVChunk(index: chunkIndex, firstRow: firstRow, table: built.table, encoded: built.encoded))
            } catch {
                consumerError = error
                return false
            }
            chunkIndex += 1
            return true
        }
        if let consumerError { throw consumerError }
        // The file must end where it ended in pass one.
        try reader.fill(atLeast: 1)
        guard reader.available.isEmpty else { throw Self.sourceChanged() }
        return CSVIngestion(
            schema: schema, rowCount: rowCount, chunkCount: chunkIndex, byteCount: scan.totalBytes,
            delimiter: scan.delimiter, profile: profiler.finish(byteCount: scan.totalBytes, target: target, concurrency: options.concurrency))
    }

    struct PassTwoInput: Sendable {
        var block: Result<[UInt8], CSVError>
        var info: BlockInfo
        var firstRow: Int
    }

    struct BuiltChunk: Sendable {
        var table: Table
        var encoded: [UInt8]?
        var statistics: [ColumnStatistics]
    }

    static func buildChunk(
        _ block: [UInt8], expectedRows: Int, firstRow: Int, tokenizer: CSVTokenizer, parser: CSVValueParser,
        schema: [ColumnSchema], options: CSVOptions, sampling: [SampleRule], estimatedDistinct: [Bool]
    ) -> Result<BuiltChunk, CSVError> {
        let builder = CSVChunkBuilder(
            parser: parser, tokenizer: tokenizer, schema: schema, raggedRows: options.raggedRows, expectedRows: expectedRows,
            maxDictionaryEntries: options.maxDictionaryEntries)
        let built: Result<(table: Table, decimalScales: [Int?]), CSVError> = block.withUnsafeBytes { bytes in
            do throws(CSVError) {
                return .success(try builder.build(bytes))
            } catch {
                return .failure(error)
            }
        }
        let table: Table
        let decimalScales: [Int?]
        switch built {
        case .success(let value): (table, decimalScales) = value
        case .failure(let error): return .failure(error)
        }
        var encoded: [UInt8]? = nil
        if options.encodesChunks {
            do {
                encoded = try ChunkEncoder().encode(table, decimalScales: decimalScales)
            } catch {
                return .failure(CSVError(.invalidOptions, "the chunk cannot be encoded: \(error)"))
            }
        }
        let statistics = DatasetProfiler.statistics(
            of: table, firstRow: firstRow, sampling: sampling, options: options.profile, estimatedDistinct: estimatedDistinct)
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
