import Synchronization

/// Reads a CSV file into typed columnar chunks and a profile, with bounded memory.
///
/// **One pass, usually.** The ingestion reads the file block by block (blocks of whole
/// rows, parsed on `concurrency` threads, see `csvPipeline`) and checks everything: the
/// header, quotes, field counts, UTF-8, the size limit. It guesses the column types from
/// the file's first rows and builds each block's chunk with them straight away, encodes
/// and summarises it, and holds it. When every block fits the guess, the held chunks are
/// handed over at the end: each value was parsed once.
///
/// A missing value in a column the first rows had complete fits too: the column becomes
/// nullable (see `HeldChunks`).
///
/// **Two passes otherwise.** A block with a value the guess cannot hold (a decimal in an
/// integer column, text in a numeric one, ...) is classified instead, and so are the
/// blocks after it; so are all blocks once the held chunks outgrow `maxHeldBytes`. The file's types are then settled, and pass two reads the
/// file again and builds every chunk with them. Either way every chunk has the same
/// schema, every input error is thrown before the first chunk is handed over, and
/// memory holds a few blocks at a time (`concurrency` + 1 blocks of at most
/// `rowsPerChunk` rows, with their chunks) and the held chunks, never the file.
///
/// **Nothing half-stored.** `consume` sees chunks in order; the ingestion has succeeded
/// only when `ingest` returns its `CSVIngestion` (with the profile). A consumer stages
/// chunks and commits when `ingest` returns; if `ingest` throws (a `CSVError`, or
/// whatever `consume` threw), it discards them. Pass two can still fail if the file
/// changes between the passes (`source_changed`) or cannot be read (`io_error`).
public struct CSVIngestor: Sendable {
    public var options: CSVOptions
    /// Target byte size of a read block (blocks also stop at `rowsPerChunk` rows).
    var blockBytes = 32 << 20
    /// Bytes of encoded chunks the single pass may hold before it gives up for two
    /// passes; nil for the larger of 64 MiB and half the bytes read so far.
    var maxHeldBytes: Int? = nil
    /// Bytes of whole rows at the start of the file that the type guess reads.
    var guessBytes = 256 << 10

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
        switch try firstPass(source, target: target, consume: consume) {
        case .done(let ingestion): return ingestion
        case .scanned(let scan): return try secondPass(source, scan: scan, target: target, consume: consume)
        }
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
            ingestion = try CSVIngestor(options: options).ingest(source, target: target) { chunks.append(try $0.table()) }
        } catch let error as CSVError {
            throw error
        } catch {
            throw CSVError(.ioError, "\(error)")  // unreachable: chunks without encoding hold their table
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
        /// Where the profile's value samples start (see `initialSampleThreshold`).
        var sampleThreshold: UInt64
    }

    enum FirstPass {
        /// Every block fit the guessed types: the chunks are delivered.
        case done(CSVIngestion)
        /// The types are settled; pass two builds the chunks.
        case scanned(Scan)
    }

    func firstPass(
        _ source: any CSVByteSource, target: String?, consume: (CSVChunk) throws -> Void
    ) throws -> FirstPass {
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
        if let target, !names.contains(target) {
            throw CSVError(.invalidOptions, "the target column '\(target)' is not in the file")
        }
        reader.skip(headerLength)

        let parser = CSVValueParser(missingTokens: options.missingTokens)
        let guess = try guessSchema(reader, names: names, tokenizer: tokenizer, parser: parser)
        let sampleThreshold = Self.initialSampleThreshold(
            fileBytes: source.knownByteCount, guess: guess.map { ($0.rows, $0.bytes) }, sampleSize: options.profile.sampleSize)
        var inference = CSVInference(parser: parser, columnCount: names.count, raggedRows: options.raggedRows)
        var blocks: [BlockInfo] = []
        var lineBase = headerSummary.newlines
        var held = HeldChunks(schema: guess?.schema ?? [], options: options, sampleThreshold: sampleThreshold)
        var bytesRead = 0
        let maxHeldBytes = self.maxHeldBytes
        let speculating = Atomic(guess != nil)
        let hints = Mutex(held.profiler.hints)
        let options = self.options
        let blockBytes = self.blockBytes
        let columnCount = names.count
        /// Back to two passes: the held chunks go, and blocks from now on are only classified.
        func giveUpSinglePass() {
            speculating.store(false, ordering: .relaxed)
            held = HeldChunks(schema: [], options: options, sampleThreshold: sampleThreshold)
        }
        // Touched only inside `read`, which the pipeline calls under its lock.
        nonisolated(unsafe) let blockReader = reader
        nonisolated(unsafe) var readFailed = false
        nonisolated(unsafe) var blockIndex = 0
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
                blockIndex += 1
                return .block(block, index: blockIndex - 1)
            } catch {
                readFailed = true
                return .failure(error)
            }
        } work: { (input) -> Result<PassOneOutput, CSVError> in
            switch input {
            case .failure(let error): return .failure(error)
            case .block(let block, let index):
                if let guess, speculating.load(ordering: .relaxed),
                    let built = Self.buildGuessed(
                        block, index: index, schema: guess.schema, tokenizer: tokenizer, parser: parser, options: options,
                        hints: hints.withLock { $0 })
                {
                    return .success(.built(built, byteCount: block.count))
                }
                return Self.inferBlock(block, tokenizer: tokenizer, parser: parser, columnCount: columnCount, raggedRows: options.raggedRows)
                    .map { .inferred($0.0, $0.1, byteCount: block.count) }
            }
        } deliver: { (result: Result<PassOneOutput, CSVError>) throws(CSVError) -> Bool in
            let info: BlockInfo
            switch result {
            case .failure(let error): throw error.shifted(byLines: lineBase)
            case .success(.inferred(let blockInference, let summary, let byteCount)):
                inference.merge(blockInference)
                info = BlockInfo(byteCount: byteCount, rows: summary.rows, newlines: summary.newlines)
                if speculating.load(ordering: .relaxed) { giveUpSinglePass() }
            case .success(.built(let built, let byteCount)):
                inference.merge(kinds: guess!.kinds, nullCounts: built.nullCounts, rows: built.rowCount)
                info = BlockInfo(byteCount: byteCount, rows: built.rowCount, newlines: built.newlines)
                if speculating.load(ordering: .relaxed) {
                    held.add(built)
                    hints.withLock { $0 = held.profiler.hints }
                    if held.bytes > maxHeldBytes ?? max(64 << 20, (bytesRead + byteCount) / 2) { giveUpSinglePass() }
                }
            }
            blocks.append(info)
            bytesRead += info.byteCount
            lineBase += info.newlines
            return true
        }
        let scan = Scan(
            delimiter: delimiter, names: names, prefixBytes: (bom ? 3 : 0) + headerLength, blocks: blocks,
            inference: inference, totalBytes: reader.totalRead, sampleThreshold: sampleThreshold)
        guard let guess, speculating.load(ordering: .relaxed) else { return .scanned(scan) }
        return .done(try held.deliver(
            guess: guess.schema, scan: scan, target: target, concurrency: options.concurrency, consume: consume))
    }

    /// The types of the file's first rows (up to `guessBytes` of whole rows, not taken
    /// from the reader), with a column nullable when one of them is missing; nil when
    /// some column has no value there, or those rows have an error (the pipeline then
    /// reports it with its line).
    func guessSchema(
        _ reader: CSVBlockReader, names: [String], tokenizer: CSVTokenizer, parser: CSVValueParser
    ) throws(CSVError) -> (schema: [ColumnSchema], kinds: [CSVValueKinds], rows: Int, bytes: Int)? {
        guard let length = try reader.nextBlockLength(
            maxRecords: options.rowsPerChunk, targetBytes: guessBytes, maxRowBytes: options.maxRowBytes), length > 0
        else { return nil }
        let rows = UnsafeRawBufferPointer(rebasing: reader.available[0..<length])
        guard case .success(let (inference, _)) = Self.inferBlock(
            rows, tokenizer: tokenizer, parser: parser, columnCount: names.count, raggedRows: options.raggedRows),
            !inference.kinds.contains([])
        else { return nil }
        let schema = names.indices.map { index in
            ColumnSchema(name: names[index], type: inference.kinds[index].columnType, isNullable: inference.missing[index] > 0)
        }
        return (schema, inference.kinds, inference.rows, length)
    }

    /// Where the profile's value samples start: the threshold that the file's rows,
    /// estimated from its size and the length of its first rows, are expected to pass at
    /// most twice `sampleSize` times. Chunks then keep few values from the start, and
    /// merging halves the threshold on to at most `sampleSize` values (see
    /// `ValueSample`). The maximum, every value, when the size or the rows are unknown.
    /// A file whose later rows are longer only gets a smaller sample, as fair.
    static func initialSampleThreshold(fileBytes: Int?, guess: (rows: Int, bytes: Int)?, sampleSize: Int) -> UInt64 {
        guard let fileBytes, let guess, guess.rows > 0, guess.bytes > 0, sampleSize > 0 else { return .max }
        var expected = Double(fileBytes) / Double(guess.bytes) * Double(guess.rows)
        var threshold = UInt64.max
        while expected > 2 * Double(sampleSize) {
            threshold /= 2
            expected /= 2
        }
        return threshold
    }

    /// A block's chunk built with guessed types, or nil when a value does not fit them
    /// (or the block has an error: the caller classifies the block, which finds it).
    static func buildGuessed(
        _ block: [UInt8], index: Int, schema: [ColumnSchema], tokenizer: CSVTokenizer, parser: CSVValueParser,
        options: CSVOptions, hints: DatasetProfiler.Hints
    ) -> BuiltChunk? {
        guard case .success(let built) = buildChunk(
            block, index: index, capacity: options.rowsPerChunk, tokenizer: tokenizer, parser: parser, schema: schema,
            options: options, hints: hints, checksKinds: true, keepsTable: false)
        else { return nil }
        return built
    }

    enum PassOneInput: Sendable {
        case block([UInt8], index: Int)
        case failure(CSVError)
    }

    enum PassOneOutput: Sendable {
        case built(BuiltChunk, byteCount: Int)
        case inferred(CSVInference, CSVTokenizer.Summary, byteCount: Int)
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
        block.withUnsafeBytes { inferBlock($0, tokenizer: tokenizer, parser: parser, columnCount: columnCount, raggedRows: raggedRows) }
    }

    static func inferBlock(
        _ bytes: UnsafeRawBufferPointer, tokenizer: CSVTokenizer, parser: CSVValueParser, columnCount: Int,
        raggedRows: CSVOptions.RaggedRows
    ) -> Result<(CSVInference, CSVTokenizer.Summary), CSVError> {
        do throws(CSVError) {
            var inference = CSVInference(parser: parser, columnCount: columnCount, raggedRows: raggedRows)
            if UTF8Validation.isValid(bytes) {
                let summary = try inference.infer(bytes, tokenizer: tokenizer)
                return .success((inference, summary))
            }
            var locator = CSVUTF8Locator(inner: inference)
            _ = try tokenizer.tokenize(bytes, visitor: &locator)
            return .failure(CSVError(.invalidUTF8, "the file is not valid UTF-8"))
        } catch {
            return .failure(error)
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
        var profiler = DatasetProfiler(schema: schema, options: options.profile, sampleThreshold: scan.sampleThreshold)
        let reader = CSVBlockReader(stream: try source.open(), maxFileBytes: options.maxFileBytes)
        guard let _ = try reader.take(scan.prefixBytes) else { throw Self.sourceChanged() }
        let parser = CSVValueParser(missingTokens: options.missingTokens)
        let tokenizer = CSVTokenizer(delimiter: scan.delimiter)
        let options = self.options
        let blocks = scan.blocks
        var chunkIndex = 0
        var lineBase = 0
        var rowCount = 0
        var consumerError: (any Error)? = nil
        // Touched only inside `read`, which the pipeline calls under its lock.
        nonisolated(unsafe) let blockReader = reader
        nonisolated(unsafe) var nextBlock = 0
        nonisolated(unsafe) var nextRow = 0
        // What chunks may skip, as of the chunks delivered.
        let hints = Mutex(profiler.hints)
        try Self.run(concurrency: options.concurrency) { () -> PassTwoInput? in
            guard nextBlock < blocks.count else { return nil }
            let info = blocks[nextBlock]
            let input = PassTwoInput(block: .failure(Self.sourceChanged()), info: info, index: nextBlock, firstRow: nextRow)
            nextBlock += 1
            nextRow += info.rows
            do throws(CSVError) {
                guard let block = try blockReader.take(info.byteCount) else {
                    nextBlock = blocks.count
                    return input
                }
                return PassTwoInput(block: .success(block), info: info, index: input.index, firstRow: input.firstRow)
            } catch {
                nextBlock = blocks.count
                return PassTwoInput(block: .failure(error), info: info, index: input.index, firstRow: input.firstRow)
            }
        } work: { input in
            input.block.flatMap { block in
                Self.buildChunk(
                    block, index: input.index, capacity: input.info.rows, tokenizer: tokenizer, parser: parser,
                    schema: schema, options: options, hints: hints.withLock { $0 })
            }.map { (input.info, input.firstRow, $0) }  // not the block: it is freed here
        } deliver: { (result) throws(CSVError) -> Bool in
            let (info, firstRow, built): (BlockInfo, Int, BuiltChunk)
            switch result {
            case .failure(let error): throw error.shifted(byLines: lineBase)
            case .success(let value): (info, firstRow, built) = value
            }
            lineBase += info.newlines
            guard built.rowCount == info.rows else { throw Self.sourceChanged() }
            rowCount += built.rowCount
            guard built.rowCount > 0 else { return true }
            profiler.merge(rows: built.rowCount, built.statistics)
            hints.withLock { $0 = profiler.hints }
            do {
                try consume(CSVChunk(index: chunkIndex, firstRow: firstRow, rowCount: built.rowCount, built: built.table, encoded: built.encoded))
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
            delimiter: scan.delimiter, passes: 2, profile: profiler.finish(byteCount: scan.totalBytes, target: target, concurrency: options.concurrency))
    }

    struct PassTwoInput: Sendable {
        var block: Result<[UInt8], CSVError>
        var info: BlockInfo
        var index: Int
        var firstRow: Int
    }

    struct BuiltChunk: Sendable {
        var rowCount: Int
        /// By column.
        var nullCounts: [Int]
        /// The table, unless only its encoding is kept.
        var table: Table?
        var encoded: [UInt8]?
        var statistics: [ColumnStatistics]
        var newlines: Int
    }

    /// Builds, encodes and summarises block number `index`, of at most `capacity` rows.
    /// An encoded chunk keeps its table only when `keepsTable`.
    static func buildChunk(
        _ block: [UInt8], index: Int, capacity: Int, tokenizer: CSVTokenizer, parser: CSVValueParser,
        schema: [ColumnSchema], options: CSVOptions, hints: DatasetProfiler.Hints, checksKinds: Bool = false,
        keepsTable: Bool = true
    ) -> Result<BuiltChunk, CSVError> {
        let builder = CSVChunkBuilder(
            parser: parser, tokenizer: tokenizer, schema: schema, raggedRows: options.raggedRows, expectedRows: capacity,
            maxDictionaryEntries: options.maxDictionaryEntries, checksKinds: checksKinds)
        let result: Result<CSVChunkBuilder.Built, CSVError> = block.withUnsafeBytes { bytes in
            do throws(CSVError) {
                return .success(try builder.build(bytes))
            } catch {
                return .failure(error)
            }
        }
        let built: CSVChunkBuilder.Built
        switch result {
        case .success(let value): built = value
        case .failure(let error): return .failure(error)
        }
        var encoded: [UInt8]? = nil
        if options.encodesChunks {
            do {
                encoded = try ChunkEncoder().encode(built.table, decimalScales: built.decimalScales)
            } catch {
                return .failure(CSVError(.invalidOptions, "the chunk cannot be encoded: \(error)"))
            }
        }
        let statistics = DatasetProfiler.statistics(of: built.table, chunk: index, hints: hints, options: options.profile)
        return .success(BuiltChunk(
            rowCount: built.table.rowCount, nullCounts: built.table.columns.map(\.nullCount),
            table: keepsTable || encoded == nil ? built.table : nil, encoded: encoded, statistics: statistics, newlines: built.newlines))
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
    public let rowCount: Int
    /// The table the chunk was built as, when it was kept.
    let built: Table?
    /// The chunk in the format of proto/CHUNKS.md, when `CSVOptions.encodesChunks`.
    public let encoded: [UInt8]?

    /// The chunk's rows. An ingestion that encodes its chunks may hold only their
    /// encoding (see `CSVIngestor`): the table is then decoded here.
    public func table() throws(ChunkError) -> Table {
        if let built { return built }
        return try ChunkDecoder().decode(encoded!)
    }
}

/// The chunks of the single pass, held until the file is known to fit their types: each
/// chunk's encoding, or its table when chunks are not encoded. Their statistics are
/// merged as they come, in order.
///
/// A column the guess found complete gets a validity bitmap in the chunks where a value is
/// missing; when some chunk has one, the others get an all-valid one at delivery (decoded
/// and encoded again, far cheaper than parsing the file again), so that every chunk has
/// the file's schema.
struct HeldChunks {
    var profiler: DatasetProfiler
    private var chunks: [(rows: Int, nullCounts: [Int], table: Table?, encoded: [UInt8]?)] = []
    /// Bytes of the encodings held.
    private(set) var bytes = 0

    init(schema: [ColumnSchema], options: CSVOptions, sampleThreshold: UInt64) {
        profiler = DatasetProfiler(schema: schema, options: options.profile, sampleThreshold: sampleThreshold)
    }

    mutating func add(_ built: CSVIngestor.BuiltChunk) {
        let rows = built.rowCount
        guard rows > 0 else { return }
        profiler.merge(rows: rows, built.statistics)
        chunks.append((rows, built.nullCounts, built.table, built.encoded))
        bytes += built.encoded?.count ?? 0
    }

    /// Hands the chunks to `consume` in order and returns the ingestion. `guess` is the
    /// schema the chunks were built with.
    func deliver(
        guess: [ColumnSchema], scan: CSVIngestor.Scan, target: String?, concurrency: Int, consume: (CSVChunk) throws -> Void
    ) throws -> CSVIngestion {
        let lateNulls = guess.indices.filter { !guess[$0].isNullable && scan.inference.missing[$0] > 0 }
        var schema = guess
        for index in lateNulls { schema[index].isNullable = true }
        var firstRow = 0
        for (index, chunk) in chunks.enumerated() {
            var (table, encoded) = (chunk.table, chunk.encoded)
            let complete = lateNulls.filter { chunk.nullCounts[$0] == 0 }
            if !complete.isEmpty { (table, encoded) = try Self.addingValidity(to: complete, table: table, encoded: encoded) }
            try consume(CSVChunk(index: index, firstRow: firstRow, rowCount: chunk.rows, built: table, encoded: encoded))
            firstRow += chunk.rows
        }
        var profiler = self.profiler
        profiler.markNullable(lateNulls)
        return CSVIngestion(
            schema: schema, rowCount: firstRow, chunkCount: chunks.count, byteCount: scan.totalBytes, delimiter: scan.delimiter,
            passes: 1, profile: profiler.finish(byteCount: scan.totalBytes, target: target, concurrency: concurrency))
    }

    /// The chunk with an all-valid bitmap on `columns`: its table, or its encoding decoded
    /// and encoded again.
    static func addingValidity(to columns: [Int], table: Table?, encoded: [UInt8]?) throws -> (Table?, [UInt8]?) {
        var chunk = try table ?? ChunkDecoder().decode(encoded!)
        var all = chunk.columns
        for index in columns {
            all[index] = try Column(name: all[index].name, values: all[index].values, validity: ValidityBitmap(count: chunk.rowCount))
        }
        chunk = Table(uncheckedRowCount: chunk.rowCount, columns: all)
        return (table == nil ? nil : chunk, try encoded.map { _ in try ChunkEncoder().encode(chunk) })
    }
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
    /// 1 when every block fit the types of the file's first rows, else 2 (see `CSVIngestor`).
    public let passes: Int
    public let profile: DatasetProfile
}
