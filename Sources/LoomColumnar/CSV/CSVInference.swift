/// Pass one over a block: checks every row (field count, quotes, UTF-8) and notes what
/// kinds of values each column holds and how many are missing.
struct CSVInference: CSVRowVisitor {
    let parser: CSVValueParser
    let columnCount: Int
    let raggedRows: CSVOptions.RaggedRows
    var kinds: [CSVValueKinds]
    var missing: [Int]
    var rows = 0

    init(parser: CSVValueParser, columnCount: Int, raggedRows: CSVOptions.RaggedRows) {
        self.parser = parser
        self.columnCount = columnCount
        self.raggedRows = raggedRows
        kinds = [CSVValueKinds](repeating: [], count: columnCount)
        missing = [Int](repeating: 0, count: columnCount)
    }

    mutating func visitRow(_ fields: UnsafeBufferPointer<CSVField>, bytes: UnsafeRawBufferPointer, line: Int) throws(CSVError) {
        let used = try Self.usableFieldCount(fields.count, expected: columnCount, policy: raggedRows, line: line)
        let parser = self.parser
        kinds.withUnsafeMutableBufferPointer { kinds in
            missing.withUnsafeMutableBufferPointer { missing in
                for index in 0..<used {
                    let field = fields[index]
                    let text = UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
                    if let kind = parser.classify(text, classes: field.classes) {
                        kinds[index].formUnion(kind)
                    } else {
                        missing[index] += 1
                    }
                }
                for index in used..<columnCount { missing[index] += 1 }
            }
        }
        rows += 1
    }

    /// How many of a row's fields to use, or the error the ragged-row policy asks for.
    @inline(__always)
    static func usableFieldCount(_ count: Int, expected: Int, policy: CSVOptions.RaggedRows, line: Int) throws(CSVError) -> Int {
        if count == expected { return count }
        if count < expected {
            guard policy == .pad || policy == .padAndTruncate else {
                throw CSVError(.wrongFieldCount, line: line, column: count + 1,
                    "the row has \(count) field\(count == 1 ? "" : "s") but the header has \(expected)")
            }
            return count
        }
        guard policy == .truncate || policy == .padAndTruncate else {
            throw CSVError(.wrongFieldCount, line: line, column: expected + 1,
                "the row has \(count) fields but the header has \(expected)")
        }
        return expected
    }

    mutating func merge(_ other: CSVInference) {
        for index in 0..<columnCount {
            kinds[index].formUnion(other.kinds[index])
            missing[index] += other.missing[index]
        }
        rows += other.rows
    }
}

/// Wraps a visitor and refuses the first field whose bytes are not UTF-8, with its
/// position. Used only on blocks that failed the fast whole-block check.
struct CSVUTF8Locator<Inner: CSVRowVisitor>: CSVRowVisitor {
    var inner: Inner

    mutating func visitRow(_ fields: UnsafeBufferPointer<CSVField>, bytes: UnsafeRawBufferPointer, line: Int) throws(CSVError) {
        try inner.visitRow(fields, bytes: bytes, line: line)
        for (index, field) in fields.enumerated() {
            let text = UnsafeRawBufferPointer(rebasing: bytes[field.start..<field.end])
            if !UTF8Validation.isValid(text) {
                throw CSVError(.invalidUTF8, line: line, column: index + 1, "the field is not valid UTF-8")
            }
        }
    }
}

/// Collects the header's names.
struct CSVHeaderReader: CSVRowVisitor {
    var names: [String] = []
    var nameLines: [Int] = []

    mutating func visitRow(_ fields: UnsafeBufferPointer<CSVField>, bytes: UnsafeRawBufferPointer, line: Int) throws(CSVError) {
        var scratch = [UInt8]()
        for (index, field) in fields.enumerated() {
            let name: String? = field.withBytes(in: bytes, scratch: &scratch) { text in
                UTF8Validation.isValid(text) ? String(decoding: text, as: UTF8.self) : nil
            }
            guard let name else {
                throw CSVError(.invalidUTF8, line: line, column: index + 1, "the column name is not valid UTF-8")
            }
            names.append(name)
        }
    }
}
