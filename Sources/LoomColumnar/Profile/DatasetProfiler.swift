import Dispatch
import Synchronization

/// Builds a `DatasetProfile` from the chunks of a dataset, added in row order. The CSV
/// ingestion uses it on the chunks it builds; anyone holding Tables can use it too.
///
///     var profiler = DatasetProfiler(schema: table.schema, valueCounts: nil)
///     profiler.add(table)
///     let profile = profiler.finish(byteCount: bytes, target: "species")
public struct DatasetProfiler: Sendable {
    public let schema: [ColumnSchema]
    public let options: ProfileOptions
    private(set) var rows = 0
    private var statistics: [ColumnStatistics]
    let sampling: [SampleRule]

    /// `valueCounts` (per column, the number of non-missing values the whole dataset will
    /// have) lets quartiles and histograms be sampled uniformly with bounded memory; nil
    /// keeps every value (fine for tables that are in memory anyway).
    public init(schema: [ColumnSchema], valueCounts: [Int]?, options: ProfileOptions = ProfileOptions()) {
        self.schema = schema
        self.options = options
        statistics = schema.map { ColumnStatistics(type: $0.type, options: options) }
        if let valueCounts {
            sampling = valueCounts.map { SampleRule(values: $0, sampleSize: options.sampleSize) }
        } else {
            sampling = schema.map { _ in .everything }
        }
    }

    /// The next rows of the dataset; the table must have the profiler's schema.
    public mutating func add(_ table: Table) {
        merge(rows: table.rowCount, Self.statistics(of: table, firstRow: rows, sampling: sampling, options: options))
    }

    /// Per-column statistics of one chunk; pure, so chunks can be summarised in parallel.
    /// `estimatedDistinct` (by column) names the columns whose dataset distinct count is
    /// already an estimate (`distinctIsEstimated`): their chunks skip the exact count.
    static func statistics(
        of table: Table, firstRow: Int, sampling: [SampleRule], options: ProfileOptions, estimatedDistinct: [Bool]? = nil
    ) -> [ColumnStatistics] {
        var rowsByRule = [UInt64: [Int]]()
        return zip(table.columns, sampling).enumerated().map { index, pair in
            let (column, rule) = pair
            var rows: [Int]? = nil
            if !rule.samplesEverything {
                rows = rowsByRule[rule.threshold] ?? rule.rows(firstRow: firstRow, count: table.rowCount)
                rowsByRule[rule.threshold] = rows
            }
            return ColumnStatistics(
                column: column, sampledRows: rows, options: options, estimatesDistinct: estimatedDistinct?[index] ?? false)
        }
    }

    mutating func merge(rows added: Int, _ chunk: [ColumnStatistics]) {
        for index in statistics.indices { statistics[index].merge(chunk[index], options: options) }
        rows += added
    }

    /// By column, whether the distinct count so far is an estimate.
    var distinctIsEstimated: [Bool] { statistics.map(\.estimatesDistinct) }

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
                name: schema[index].name, nullable: schema[index].isNullable, sampled: !sampling[index].samplesEverything,
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
        var profiler = DatasetProfiler(schema: table.schema, valueCounts: nil, options: options)
        profiler.add(table)
        return profiler.finish(byteCount: byteCount, target: target)
    }
}
