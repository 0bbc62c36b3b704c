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
        var fields = UnsafeMutableBufferPointer<CSVField>.allocate(capacity: 64)
        defer { fields.deallocate() }
        guard let base = bytes.baseAddress else { return Summary(consumed: 0, newlines: 0, rows: 0) }
        let count = bytes.count
        let quote = UInt8(ascii: "\"")
        let delimiter = self.delimiter
        var position = 0
        var line = 1
        var rows = 0
        return try classes.withUnsafeBufferPointer { (table) throws(CSVError) -> Summary in
            @inline(__always) func byte(_ index: Int) -> UInt8 { base.load(fromByteOffset: index, as: UInt8.self) }

            while position < count, rows < maxRows {
                // Blank line.
                let first = byte(position)
                if first == 10 {
                    position += 1
                    line += 1
                    continue
                }
                if first == 13, position + 1 < count, byte(position + 1) == 10 {
                    position += 2
                    line += 1
                    continue
                }
                let rowLine = line
                var fieldCount = 0
                var rowEnded = false
                while !rowEnded {
                    if fieldCount == fields.count {
                        let grown = UnsafeMutableBufferPointer<CSVField>.allocate(capacity: fields.count * 2)
                        _ = grown.initialize(from: fields)
                        fields.deallocate()
                        fields = grown
                    }
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
                            throw CSVError(.unterminatedQuote, line: openLine, column: fieldCount + 1,
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
                                throw CSVError(.unexpectedQuote, line: line, column: fieldCount + 1,
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
                                throw CSVError(.unexpectedQuote, line: line, column: fieldCount + 1,
                                    "a quote inside an unquoted field (quote the whole field and double the quote)")
                            }
                            break scanning
                        }
                        field = CSVField(start: fieldStart, end: fieldEnd, classes: mask, hasEscapedQuotes: false)
                    }
                    fields[fieldCount] = field
                    fieldCount += 1
                }
                try visitor.visitRow(UnsafeBufferPointer(rebasing: fields[0..<fieldCount]), bytes: bytes, line: rowLine)
                rows += 1
            }
            return Summary(consumed: position, newlines: line - 1, rows: rows)
        }
    }
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
