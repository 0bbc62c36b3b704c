/// Classifies a block (in pass one, when the single pass gave up or for the guess of
/// the first rows): checks every row (field count, quotes, UTF-8) and notes what kinds
/// of values each column holds and how many are missing.
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

    /// Checks and classifies every row of `bytes`. Plain rows take `fastRow`; the rest,
    /// and any row it gives up on, go through the tokenizer and `visitRow`.
    mutating func infer(_ bytes: UnsafeRawBufferPointer, tokenizer: CSVTokenizer) throws(CSVError) -> CSVTokenizer.Summary {
        var fields = CSVFieldBuffer()
        defer { fields.deallocate() }
        var cursor = CSVTokenizer.Cursor()
        var blockRows = 0
        // The fast path's kinds, kept apart from `kinds` (which `visitRow` updates) and
        // joined to them at the end: kinds only ever grow, so the order does not matter.
        let fastKinds = UnsafeMutableBufferPointer<CSVValueKinds>.allocate(capacity: columnCount)
        fastKinds.initialize(repeating: [])
        defer {
            for index in 0..<columnCount { kinds[index].formUnion(fastKinds[index]) }
            fastKinds.deallocate()
        }
        try tokenizer.withTable { (table) throws(CSVError) in
            while cursor.position < bytes.count {
                if let end = Self.fastRow(
                    bytes, from: cursor.position, kinds: fastKinds, delimiter: tokenizer.delimiter, table: table, parser: parser)
                {
                    cursor.position = end
                    cursor.line += 1
                    rows += 1
                    blockRows += 1
                    continue
                }
                guard let line = try tokenizer.readRow(bytes, table: table, cursor: &cursor, into: &fields) else { break }
                try visitRow(fields.row, bytes: bytes, line: line)
                blockRows += 1
            }
        }
        return CSVTokenizer.Summary(consumed: cursor.position, newlines: cursor.line - 1, rows: blockRows)
    }

    /// The fast path: a row of unquoted fields, one per column, none missing, ended by LF
    /// or CRLF. Returns the position after its line end, or nil to send the row to the
    /// general path. It only adds kinds (which the general path would add too, so giving
    /// up halfway leaves nothing to undo) and never counts a missing value.
    @inline(__always)
    private static func fastRow(
        _ bytes: UnsafeRawBufferPointer, from start: Int, kinds: UnsafeMutableBufferPointer<CSVValueKinds>, delimiter: UInt8,
        table: UnsafePointer<UInt8>, parser: CSVValueParser
    ) -> Int? {
        let base = bytes.baseAddress!
        let count = bytes.count
        let last = kinds.count - 1
        var position = start
        @inline(__always) func byte(_ index: Int) -> UInt8 { base.load(fromByteOffset: index, as: UInt8.self) }
        for index in 0...last {
            let isLast = index == last
            let fieldStart = position
            if kinds[index].contains(.string) {
                // The column is text whatever else it holds: only a missing value matters.
                position = CSVStopFinder(delimiter: delimiter).stop(base, from: position, count: count, table: table)
                guard let next = CSVTokenizer.plainFieldEnd(base, count: count, at: position, isLast: isLast, delimiter: delimiter),
                    !parser.mightBeMissing(UnsafeRawBufferPointer(start: base + fieldStart, count: position - fieldStart))
                else { return nil }
                position = next
                continue
            }
            let shape = CSVFastNumber.shape(base, from: position, count: count)
            if let kind = shape.kind,
                let next = CSVTokenizer.plainFieldEnd(base, count: count, at: shape.end, isLast: isLast, delimiter: delimiter)
            {
                kinds[index].formUnion(kind)
                position = next
                continue
            }
            var mask: UInt8 = 0
            while position < count {
                let bits = table[Int(byte(position))]
                if bits == CSVCharacterClass.stop { break }
                mask |= bits
                position += 1
            }
            guard let next = CSVTokenizer.plainFieldEnd(base, count: count, at: position, isLast: isLast, delimiter: delimiter),
                let kind = parser.classify(UnsafeRawBufferPointer(start: base + fieldStart, count: position - fieldStart), classes: mask)
            else { return nil }
            kinds[index].formUnion(kind)
            position = next
        }
        return position
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

    /// Adds a block of `rows` rows that was built with the types of `kinds` (so its values
    /// are of kinds those types hold); its missing values are its columns' nulls.
    mutating func merge(kinds: [CSVValueKinds], nullCounts: [Int], rows: Int) {
        for index in 0..<columnCount {
            self.kinds[index].formUnion(kinds[index])
            missing[index] += nullCounts[index]
        }
        self.rows += rows
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
