#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a stream into blocks that end on row boundaries, so that blocks can be parsed
/// on different threads. A newline ends a row when an even number of quotes precede it
/// in the block (a doubled quote counts twice, so it never changes the parity); that
/// is exact for well-formed CSV, and the tokenizer refuses the stray quotes that would
/// make it wrong, in the first block they appear in, before any later block is trusted.
///
/// Memory: the buffer holds at most one block plus one read (4 MiB) ahead.
final class CSVBlockReader {
    static let readSize = 4 << 20

    private let stream: any CSVByteStream
    private let maxFileBytes: Int
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// Bytes `start..<end` of the buffer are read and not yet taken.
    private var start = 0
    private var end = 0
    private(set) var totalRead = 0
    private(set) var atEnd = false

    init(stream: any CSVByteStream, maxFileBytes: Int) {
        self.stream = stream
        self.maxFileBytes = maxFileBytes
        capacity = Self.readSize * 2
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    var available: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer + start, count: end - start) }

    /// Reads until at least `count` bytes are available or the stream ends; returns
    /// whether any new byte arrived.
    @discardableResult
    func fill(atLeast count: Int) throws(CSVError) -> Bool {
        var grew = false
        while end - start < count, !atEnd {
            if try readMore() { grew = true }
        }
        return grew
    }

    /// One read of up to `readSize` bytes; false at the end of the stream.
    private func readMore() throws(CSVError) -> Bool {
        if start > 0 {
            // Move the unread tail to the front before growing.
            (buffer).copyMemory(from: buffer + start, byteCount: end - start)
            end -= start
            start = 0
        }
        if capacity - end < Self.readSize {
            let newCapacity = max(capacity * 2, end + Self.readSize)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            grown.copyMemory(from: buffer, byteCount: end)
            buffer.deallocate()
            buffer = grown
            capacity = newCapacity
        }
        let count = try stream.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: Self.readSize))
        if count == 0 {
            atEnd = true
            return false
        }
        end += count
        totalRead += count
        if totalRead > maxFileBytes { throw Self.tooLarge(maxFileBytes) }
        return true
    }

    static func tooLarge(_ maxFileBytes: Int) -> CSVError {
        CSVError(.fileTooLarge, "the file is larger than the limit of \(maxFileBytes) bytes")
    }

    func skip(_ count: Int) {
        precondition(count <= end - start)
        start += count
    }

    /// The next `count` bytes; nil when the stream ends first. What the buffer holds is
    /// copied, and the rest is read straight into the block: pass two knows its block
    /// sizes, so most of its bytes never pass through the buffer.
    func take(_ count: Int) throws(CSVError) -> [UInt8]? {
        guard count > 0 else { return [] }
        var failure: CSVError? = nil
        let block = [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
            let base = UnsafeMutableRawPointer(target.baseAddress!)
            let buffered = min(count, end - start)
            base.copyMemory(from: buffer + start, byteCount: buffered)
            start += buffered
            var filled = buffered
            while filled < count, !atEnd {
                do throws(CSVError) {
                    let read = try stream.read(into: UnsafeMutableRawBufferPointer(start: base + filled, count: count - filled))
                    if read == 0 {
                        atEnd = true
                        break
                    }
                    filled += read
                    totalRead += read
                    if totalRead > maxFileBytes {
                        failure = Self.tooLarge(maxFileBytes)
                        break
                    }
                } catch {
                    failure = error
                    break
                }
            }
            initialized = filled
        }
        if let failure { throw failure }
        return block.count == count ? block : nil
    }

    /// Strips a UTF-8 byte order mark at the current position (the start of the file).
    func skipByteOrderMark() throws(CSVError) -> Bool {
        try fill(atLeast: 3)
        let bytes = available
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            start += 3
            return true
        }
        return false
    }

    /// The length of the next block: whole rows, at most `maxRecords` newline-terminated
    /// records, and no more than `targetBytes` unless one row is longer (up to
    /// `maxRowBytes`). At the end of the stream the block takes what is left. Returns 0
    /// when nothing is left; nil when a row exceeds `maxRowBytes` (or, equivalently to
    /// the splitter, a quote never closes within that many bytes).
    func nextBlockLength(maxRecords: Int, targetBytes: Int, maxRowBytes: Int) throws(CSVError) -> Int? {
        var scanned = 0  // relative to start
        var oddQuotes = false
        var records = 0
        var lastBoundary = 0
        // Position (relative) of the next quote at or after `quoteScanFrom`, or nil when
        // there is none before `quoteScanTo`.
        var nextQuote: Int? = nil
        var quoteScannedTo = 0
        try fill(atLeast: min(targetBytes, Self.readSize))
        while true {
            let limit = end - start
            let base = buffer + start
            while scanned < limit, records < maxRecords {
                if oddQuotes {
                    guard let found = memchr(base + scanned, Int32(UInt8(ascii: "\"")), limit - scanned) else {
                        scanned = limit
                        break
                    }
                    scanned = base.distance(to: UnsafeMutableRawPointer(found)) + 1
                    oddQuotes = false
                    continue
                }
                if quoteScannedTo < limit, nextQuote == nil || nextQuote! < scanned {
                    let from = max(scanned, quoteScannedTo)
                    if let found = memchr(base + from, Int32(UInt8(ascii: "\"")), limit - from) {
                        nextQuote = base.distance(to: UnsafeMutableRawPointer(found))
                        quoteScannedTo = nextQuote! + 1
                    } else {
                        nextQuote = nil
                        quoteScannedTo = limit
                    }
                }
                guard let newline = memchr(base + scanned, 10, limit - scanned) else {
                    if let quote = nextQuote, quote >= scanned {
                        scanned = quote + 1
                        oddQuotes = true
                        continue
                    }
                    scanned = limit
                    break
                }
                let newlineAt = base.distance(to: UnsafeMutableRawPointer(newline))
                if let quote = nextQuote, quote >= scanned, quote < newlineAt {
                    scanned = quote + 1
                    oddQuotes = true
                    continue
                }
                if newlineAt + 1 - lastBoundary > maxRowBytes { return lastBoundary > 0 ? lastBoundary : nil }
                records += 1
                scanned = newlineAt + 1
                lastBoundary = scanned
                if scanned >= targetBytes { break }
            }
            if records >= maxRecords || (lastBoundary > 0 && scanned >= targetBytes) { return lastBoundary }
            if scanned - lastBoundary > maxRowBytes { return lastBoundary > 0 ? lastBoundary : nil }
            let more = atEnd ? false : try readMore()
            if !more {
                // The end: the rest is the last block (a row without a final newline, or an
                // unterminated quote the tokenizer will report).
                if end - start - lastBoundary > maxRowBytes { return lastBoundary > 0 ? lastBoundary : nil }
                return end - start
            }
            // Positions are relative to `start`, which readMore may have moved to 0; they stay valid.
        }
    }
}
