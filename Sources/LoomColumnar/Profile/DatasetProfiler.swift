import Dispatch
import Synchronization

/// Builds a `DatasetProfile` from the chunks of a dataset, added in row order. The CSV
/// ingestion uses it on the chunks it builds; anyone holding Tables can use it too.
///
///     var profiler = DatasetProfiler(schema: table.schema)
///     profiler.add(table)
///     let profile = profiler.finish(byteCount: bytes, target: "species")
public struct DatasetProfiler: Sendable {
    public private(set) var schema: [ColumnSchema]
    public let options: ProfileOptions
    private(set) var rows = 0
    private(set) var chunks = 0
    private var statistics: [ColumnStatistics]

    public init(schema: [ColumnSchema], options: ProfileOptions = ProfileOptions()) {
        self.init(schema: schema, options: options, sampleThreshold: .max)
    }

    /// `sampleThreshold` starts the value samples lower than every value (see `ValueSample`).
    init(schema: [ColumnSchema], options: ProfileOptions, sampleThreshold: UInt64) {
        self.schema = schema
        self.options = options
        statistics = schema.map { ColumnStatistics(type: $0.type, options: options, sampleThreshold: sampleThreshold) }
    }

    /// The next rows of the dataset; the table must have the profiler's schema.
    public mutating func add(_ table: Table) {
        merge(rows: table.rowCount, Self.statistics(of: table, chunk: chunks, hints: hints, options: options))
    }

    /// What the chunks summarised next may skip, as of the chunks merged so far; chunks
    /// summarised with older hints (in parallel) just do more work.
    struct Hints: Sendable {
        /// By column: the distinct count is an estimate already, so chunks skip the exact count.
        var estimatedDistinct: [Bool]
        /// By column: the sample's threshold; chunks keep only values under it.
        var sampleThresholds: [UInt64]
    }

    var hints: Hints {
        Hints(estimatedDistinct: statistics.map(\.estimatesDistinct), sampleThresholds: statistics.map(\.sample.threshold))
    }

    /// Per-column statistics of the dataset's chunk number `chunk`; pure, so chunks can
    /// be summarised in parallel.
    static func statistics(of table: Table, chunk: Int, hints: Hints, options: ProfileOptions) -> [ColumnStatistics] {
        let keys = ValueSample.keys(chunk: chunk, count: table.rowCount)
        return keys.withUnsafeBufferPointer { keys in
            table.columns.enumerated().map { index, column in
                ColumnStatistics(
                    column: column, keys: keys, sampleThreshold: hints.sampleThresholds[index], options: options,
                    estimatesDistinct: hints.estimatedDistinct[index])
            }
        }
    }

    /// Marks these columns nullable: they turned out to have missing values after all.
    mutating func markNullable(_ columns: [Int]) {
        for index in columns { schema[index].isNullable = true }
    }

    mutating func merge(rows added: Int, _ chunk: [ColumnStatistics]) {
        for index in statistics.indices { statistics[index].merge(chunk[index], options: options) }
        rows += added
        chunks += 1
    }

    /// The profile of every row added so far. `byteCount` is the source's size; a
    /// `target` that names a column gets a suggested problem type.
    public func finish(byteCount: Int, target: String? = nil) -> DatasetProfile {
        finish(byteCount: byteCount, target: target, concurrency: 1)
    }

    /// `finish` with the columns summarised on `concurrency` threads: the quartiles select
    /// among up to `sampleSize` values per column, the one serial step left at the end of
    /// an ingestion.
    func finish(byteCount: Int, target: String?, concurrency: Int) -> DatasetProfile {
        let columnCount = schema.count
        let threads = max(1, min(concurrency, columnCount))
        let summaries = Mutex([ColumnProfile?](repeating: nil, count: columnCount))
        let summarise: @Sendable (Int) -> ColumnProfile = { index in
            statistics[index].profile(
                name: schema[index].name, nullable: schema[index].isNullable, sampled: statistics[index].sample.isSampled,
                options: options)
        }
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in stride(from: thread, to: columnCount, by: threads) {
                let summary = summarise(index)
                summaries.withLock { $0[index] = summary }
            }
        }
        let columns = summaries.withLock { $0.map { $0! } }
        var profile = DatasetProfile(
            rows: rows, columnCount: schema.count, bytes: byteCount, columns: columns, target: target, suggestedProblem: nil)
        if let target { profile.suggestedProblem = profile.suggestProblem(target: target, options: options) }
        return profile
    }

    /// The profile of a whole table in memory.
    public static func profile(_ table: Table, byteCount: Int, target: String? = nil, options: ProfileOptions = ProfileOptions()) -> DatasetProfile {
        var profiler = DatasetProfiler(schema: table.schema, options: options)
        profiler.add(table)
        return profiler.finish(byteCount: byteCount, target: target)
    }
}
