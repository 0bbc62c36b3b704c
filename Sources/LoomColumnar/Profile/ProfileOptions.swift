/// Bounds of a profile: how far counts are exact and how much is sampled.
public struct ProfileOptions: Sendable, Equatable {
    /// Distinct values are counted exactly up to this many per column, then estimated
    /// with HyperLogLog (about 0.8% standard error) and flagged `estimated`.
    public var exactDistinctLimit: Int
    /// Quartiles and histograms are exact for columns with at most this many values;
    /// above it they come from a uniform sample of about this size, flagged `estimated`.
    public var sampleSize: Int
    /// Histograms have at most this many bins (and at most one per distinct value).
    public var histogramBins: Int
    /// How many of the most frequent values are listed for string and bool columns.
    public var topValues: Int
    /// A numeric target with at most this many distinct values suggests classification.
    public var classificationMaxDistinct: Int

    public init(
        exactDistinctLimit: Int = 10_000, sampleSize: Int = 65_536, histogramBins: Int = 20,
        topValues: Int = 10, classificationMaxDistinct: Int = 20
    ) {
        self.exactDistinctLimit = exactDistinctLimit
        self.sampleSize = sampleSize
        self.histogramBins = histogramBins
        self.topValues = topValues
        self.classificationMaxDistinct = classificationMaxDistinct
    }
}
