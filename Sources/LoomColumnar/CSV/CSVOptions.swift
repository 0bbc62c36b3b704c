/// How a CSV file is read. The defaults suit uploads: delimiter detected, a header row,
/// ragged rows refused, 1 GiB at most, chunks of 65,536 rows.
public struct CSVOptions: Sendable, Equatable {
    public enum Delimiter: Sendable, Equatable {
        /// Chosen among `,` `;` tab and `|` from the first rows (see `CSVDelimiterDetector`).
        case auto
        /// Always this ASCII byte (not a quote, CR or LF).
        case fixed(UInt8)
    }

    /// What to do with a row whose field count differs from the header's.
    public enum RaggedRows: String, Sendable, Equatable, CaseIterable {
        /// Refuse the file (`wrong_field_count`).
        case error
        /// Short rows get missing values at the end; long rows are refused.
        case pad
        /// Long rows lose their extra fields; short rows are refused.
        case truncate
        /// Both of the above.
        case padAndTruncate = "pad_and_truncate"
    }

    public var delimiter: Delimiter
    public var raggedRows: RaggedRows
    /// Files larger than this are refused (`file_too_large`) before anything is produced.
    public var maxFileBytes: Int
    /// One row (with its quoted newlines) larger than this is refused (`row_too_long`); it
    /// bounds the memory a read block can need.
    public var maxRowBytes: Int
    /// Chunks hold at most this many rows.
    public var rowsPerChunk: Int
    /// Field values that mean "missing" besides the empty field, compared ASCII
    /// case-insensitively after trimming spaces and tabs.
    public var missingTokens: [String]
    /// Threads used for parsing and encoding.
    public var concurrency: Int
    /// A string column whose chunk holds at most this many distinct values (and at most
    /// half as many as rows) is dictionary-encoded in that chunk.
    public var maxDictionaryEntries: Int
    /// Whether chunks are encoded (the chunk format of proto/CHUNKS.md) as well as built.
    public var encodesChunks: Bool
    /// Bound and sampling of the profile.
    public var profile: ProfileOptions

    public static let defaultMissingTokens = ["NA", "N/A", "null", "NaN", "?"]

    public init(
        delimiter: Delimiter = .auto,
        raggedRows: RaggedRows = .error,
        maxFileBytes: Int = 1 << 30,
        maxRowBytes: Int = 16 << 20,
        rowsPerChunk: Int = ChunkEncoder.defaultRowsPerChunk,
        missingTokens: [String] = CSVOptions.defaultMissingTokens,
        concurrency: Int = 2,
        maxDictionaryEntries: Int = 4_096,
        encodesChunks: Bool = true,
        profile: ProfileOptions = ProfileOptions()
    ) {
        self.delimiter = delimiter
        self.raggedRows = raggedRows
        self.maxFileBytes = maxFileBytes
        self.maxRowBytes = maxRowBytes
        self.rowsPerChunk = rowsPerChunk
        self.missingTokens = missingTokens
        self.concurrency = concurrency
        self.maxDictionaryEntries = maxDictionaryEntries
        self.encodesChunks = encodesChunks
        self.profile = profile
    }

    func validate() throws(CSVError) {
        if case .fixed(let byte) = delimiter, byte == UInt8(ascii: "\"") || byte == 10 || byte == 13 || byte >= 0x80 {
            throw CSVError(.invalidOptions, "the delimiter must be an ASCII byte other than a quote, CR or LF")
        }
        guard rowsPerChunk > 0, rowsPerChunk <= 1 << 24 else {
            throw CSVError(.invalidOptions, "rowsPerChunk must be between 1 and 16,777,216")
        }
        guard maxRowBytes > 0, maxFileBytes >= 0, concurrency > 0 else {
            throw CSVError(.invalidOptions, "maxRowBytes and concurrency must be positive, maxFileBytes not negative")
        }
    }
}
