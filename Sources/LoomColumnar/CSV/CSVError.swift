/// Why a CSV file was refused, and where. `line` is the 1-based physical line of the
/// file (a quoted field with newlines spans several lines) and `column` the 1-based
/// field number within the row; either is nil when the error has no position (an empty
/// file, a file over the size limit). `code` is stable and meant for programs; new codes
/// may be added without breaking callers, so match the ones you handle and keep a
/// fallback.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file holds no bytes (or only a byte order mark).
        public static let emptyFile = Code(rawValue: "empty_file")
        /// The first row is blank, so there are no column names.
        public static let missingHeader = Code(rawValue: "missing_header")
        /// A header field is empty or only spaces.
        public static let emptyColumnName = Code(rawValue: "empty_column_name")
        /// Two header fields are equal.
        public static let duplicateColumnName = Code(rawValue: "duplicate_column_name")
        /// A quoted field has no closing quote before the end of the file.
        public static let unterminatedQuote = Code(rawValue: "unterminated_quote")
        /// A quote inside an unquoted field, or a character right after a closing quote.
        public static let unexpectedQuote = Code(rawValue: "unexpected_quote")
        /// A row has more or fewer fields than the header (and the ragged-row policy says no).
        public static let wrongFieldCount = Code(rawValue: "wrong_field_count")
        /// Bytes that are not UTF-8.
        public static let invalidUTF8 = Code(rawValue: "invalid_utf8")
        /// The file is larger than `CSVOptions.maxFileBytes`.
        public static let fileTooLarge = Code(rawValue: "file_too_large")
        /// One row is larger than `CSVOptions.maxRowBytes`.
        public static let rowTooLong = Code(rawValue: "row_too_long")
        /// The file has more columns than a chunk can hold (65,535).
        public static let tooManyColumns = Code(rawValue: "too_many_columns")
        /// The file could not be opened or read.
        public static let ioError = Code(rawValue: "io_error")
        /// The file changed between the two passes of an ingestion.
        public static let sourceChanged = Code(rawValue: "source_changed")
        /// The options make no sense (for example rowsPerChunk of 0, or a target column the file lacks).
        public static let invalidOptions = Code(rawValue: "invalid_options")
    }

    public let code: Code
    public let line: Int?
    public let column: Int?
    /// A human sentence, for logs and users.
    public let message: String

    public init(_ code: Code, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.code = code
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var position = ""
        if let line { position += "line \(line)" }
        if let column { position += position.isEmpty ? "column \(column)" : ", column \(column)" }
        return position.isEmpty ? "\(code): \(message)" : "\(code) at \(position): \(message)"
    }

    /// The same error with its line moved down by `lines` (block-local line → file line).
    func shifted(byLines lines: Int) -> CSVError {
        CSVError(code, line: line.map { $0 + lines }, column: column, message)
    }
}
