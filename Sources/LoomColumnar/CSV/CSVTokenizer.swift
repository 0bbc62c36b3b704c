/// One field of a row: bytes `start..<end` of the block (inside the quotes for a quoted
/// field) and what the tokenizer saw in them.
struct CSVField {
    var start: Int
    var end: Int
    /// The OR of `CSVCharacterClass` bits of the field's bytes.
    var classes: UInt8
    /// Quoted and containing doubled quotes, so the bytes need unescaping.
    var hasEscapedQuotes: Bool

    var count: Int { end - start }
}

/// Character classes, as bits, for the scan and for type inference.
enum CSVCharacterClass {
    static let stop: UInt8 = 0x01  // delimiter, LF, CR, quote
    static let digit: UInt8 = 0x02
    static let dot: UInt8 = 0x04
    static let sign: UInt8 = 0x08
    static let exponent: UInt8 = 0x10
    static let other: UInt8 = 0x20

    static func table(delimiter: UInt8) -> [UInt8] {
        var table = [UInt8](repeating: other, count: 256)
        for digitByte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(digitByte)] = digit }
        table[Int(UInt8(ascii: "."))] = dot
        table[Int(UInt8(ascii: "+"))] = sign
        table[Int(UInt8(ascii: "-"))] = sign
        table[Int(UInt8(ascii: "e"))] = exponent
        table[Int(UInt8(ascii: "E"))] = exponent
        for byte in [UInt8(ascii: "\""), 10, 13, delimiter] { table[Int(byte)] = stop }
        return table
    }
}

/// Receives the rows of a block, one at a time.
protocol CSVRowVisitor {
    /// `line` is the block-local 1-based line the row starts on.
    mutating func visitRow(_ fields: UnsafeBufferPointer<CSVField>, bytes: UnsafeRawBufferPointer, line: Int) throws(CSVError)
}

/// RFC 4180 tokenizer over a block of whole rows: fields separated by the delimiter,
/// rows by LF or CRLF, fields optionally in double quotes with quotes doubled inside and
/// newlines allowed. Blank lines are skipped. Strict where parallel parsing needs it: a
/// quote inside an unquoted field, or anything but a delimiter or line end after a
/// closing quote, is an `unexpected_quote` error.
struct CSVTokenizer {
    let delimiter: UInt8
    private let classes: [UInt8]

    init(delimiter: UInt8) {
        self.delimiter = delimiter
        classes = CSVCharacterClass.table(delimiter: delimiter)
    }

    struct Summary {
        /// Bytes consumed (through the last row's line end).
        var consumed: Int
        /// LF bytes seen (physical lines ended).
        var newlines: Int
        /// Rows handed to the visitor.
        var rows: Int
    }

    /// Tokenizes `bytes`, calling `visitor` per row; stops after `maxRows` rows.
    func tokenize<Visitor: CSVRowVisitor>(
        _ bytes: UnsafeRawBufferPointer, visitor: inout Visitor, maxRows: Int = .max
    ) throws(CSVError) -> Summary {
        var fields = CSVFieldBuffer()
        defer { fields.deallocate() }
        var cursor = Cursor()
        var rows = 0
        try withTable { (table) throws(CSVError) in
            while rows < maxRows {
                guard let rowLine = try readRow(bytes, table: table, cursor: &cursor, into: &fields) else { break }
                try visitor.visitRow(fields.row, bytes: bytes, line: rowLine)
                rows += 1
            }
        }
        return Summary(consumed: cursor.position, newlines: cursor.line - 1, rows: rows)
    }

    /// Where a tokenizer stands in a block: the next byte, and the block-local 1-based
    /// line that byte is on.
    struct Cursor {
        var position = 0
        var line = 1
    }

    /// Calls `body` with the character class table.
    @inline(__always)
    func withTable<R>(_ body: (UnsafePointer<UInt8>) throws(CSVError) -> R) throws(CSVError) -> R {
        try classes.withUnsafeBufferPointer { (table) throws(CSVError) -> R in try body(table.baseAddress!) }
    }

    /// Reads the row at the cursor into `fields`, skipping blank lines before it, and
    /// moves the cursor past its line end. Returns the line the row starts on, or nil
    /// when no row is left.
    @inline(__always)
    func readRow(
        _ bytes: UnsafeRawBufferPointer, table: UnsafePointer<UInt8>, cursor: inout Cursor, into fields: inout CSVFieldBuffer
    ) throws(CSVError) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        let quote = UInt8(ascii: "\"")
        let delimiter = self.delimiter
        var position = cursor.position
        var line = cursor.line
        defer {
            cursor.position = position
            cursor.line = line
        }
        @inline(__always) func byte(_ index: Int) -> UInt8 { base.load(fromByteOffset: index, as: UInt8.self) }

        // Blank lines.
        while position < count {
            let first = byte(position)
            if first == 10 {
                position += 1
                line += 1
            } else if first == 13, position + 1 < count, byte(position + 1) == 10 {
                position += 2
                line += 1
            } else {
                break
            }
        }
        guard position < count else { return nil }
        let rowLine = line
        fields.count = 0
        var rowEnded = false
        while !rowEnded {
            var field: CSVField
            if position < count, byte(position) == quote {
                let contentStart = position + 1
                let openLine = line
                var scan = contentStart
                var escaped = false
                var mask: UInt8 = 0
                var closed = false
                while scan < count {
                    let current = byte(scan)
                    if current == quote {
                        if scan + 1 < count, byte(scan + 1) == quote {
                            escaped = true
                            mask |= CSVCharacterClass.other
                            scan += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if current == 10 { line += 1 }
                    let bits = table[Int(current)]
                    mask |= bits == CSVCharacterClass.stop ? CSVCharacterClass.other : bits
                    scan += 1
                }
                guard closed else {
                    throw CSVError(.unterminatedQuote, line: openLine, column: fields.count + 1,
                        "the quoted field that starts here has no closing quote")
                }
                field = CSVField(start: contentStart, end: scan, classes: mask, hasEscapedQuotes: escaped)
                position = scan + 1
                // After the closing quote: a delimiter, a line end, or the end.
                if position < count {
                    let next = byte(position)
                    if next == delimiter {
                        position += 1
                    } else if next == 10 {
                        position += 1
                        line += 1
                        rowEnded = true
                    } else if next == 13, position + 1 < count, byte(position + 1) == 10 {
                        position += 2
                        line += 1
                        rowEnded = true
                    } else {
                        throw CSVError(.unexpectedQuote, line: line, column: fields.count + 1,
                            "a closing quote must be followed by a delimiter or the end of the line")
                    }
                } else {
                    rowEnded = true
                }
            } else {
                let fieldStart = position
                var mask: UInt8 = 0
                var fieldEnd = count
                scanning: while true {
                    while position < count {
                        let bits = table[Int(byte(position))]
                        if bits == CSVCharacterClass.stop { break }
                        mask |= bits
                        position += 1
                    }
                    fieldEnd = position
                    if position == count {
                        rowEnded = true
                        break scanning
                    }
                    let stopByte = byte(position)
                    if stopByte == delimiter {
                        position += 1
                    } else if stopByte == 10 {
                        position += 1
                        line += 1
                        rowEnded = true
                    } else if stopByte == 13 {
                        if position + 1 < count, byte(position + 1) == 10 {
                            position += 2
                            line += 1
                            rowEnded = true
                        } else if position + 1 == count {
                            position += 1
                            rowEnded = true
                        } else {
                            // A lone CR is data, not a line end.
                            mask |= CSVCharacterClass.other
                            position += 1
                            continue scanning
                        }
                    } else {
                        throw CSVError(.unexpectedQuote, line: line, column: fields.count + 1,
                            "a quote inside an unquoted field (quote the whole field and double the quote)")
                    }
                    break scanning
                }
                field = CSVField(start: fieldStart, end: fieldEnd, classes: mask, hasEscapedQuotes: false)
            }
            fields.append(field)
        }
        return rowLine
    }
}

extension CSVTokenizer {
    /// For the fast paths, which read plain rows without the tokenizer: where the next
    /// field starts when a plain field's bytes stop at `position`, that is after the
    /// delimiter, or for the row's last field after its LF or CRLF. nil when the field
    /// does not end there (a quote, a lone CR, the end of the block, the wrong field
    /// count): the row then goes to the tokenizer.
    @inline(__always)
    static func plainFieldEnd(_ base: UnsafeRawPointer, count: Int, at position: Int, isLast: Bool, delimiter: UInt8) -> Int? {
        guard position < count else { return nil }
        let next = base.load(fromByteOffset: position, as: UInt8.self)
        if !isLast { return next == delimiter ? position + 1 : nil }
        if next == 10 { return position + 1 }
        if next == 13, position + 1 < count, base.load(fromByteOffset: position + 1, as: UInt8.self) == 10 { return position + 2 }
        return nil
    }
}

/// The fields of the row being read: a growable buffer reused from row to row.
struct CSVFieldBuffer {
    private var storage = UnsafeMutableBufferPointer<CSVField>.allocate(capacity: 64)
    var count = 0

    var row: UnsafeBufferPointer<CSVField> { UnsafeBufferPointer(rebasing: storage[0..<count]) }

    @inline(__always)
    mutating func append(_ field: CSVField) {
        if count == storage.count {
            let grown = UnsafeMutableBufferPointer<CSVField>.allocate(capacity: storage.count * 2)
            _ = grown.initialize(from: storage)
            storage.deallocate()
            storage = grown
        }
        storage[count] = field
        count += 1
    }

    func deallocate() { storage.deallocate() }
}

extension CSVField {
    /// The field's bytes, with doubled quotes made single in `scratch` when needed.
    @inline(__always)
    func withBytes<R>(in bytes: UnsafeRawBufferPointer, scratch: inout [UInt8], _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        guard hasEscapedQuotes else { return body(raw) }
        scratch.removeAll(keepingCapacity: true)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            scratch.append(byte)
            index += byte == UInt8(ascii: "\"") ? 2 : 1
        }
        return scratch.withUnsafeBytes(body)
    }
}
