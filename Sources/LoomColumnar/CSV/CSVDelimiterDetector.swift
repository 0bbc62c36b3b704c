/// Picks the delimiter of a file from its first lines: among `,` `;` tab and `|`, the one
/// that splits every sampled line into the same number (above one) of fields, the most
/// fields winning; when none is consistent, the one most frequent in the header line;
/// `,` when none occurs (a one-column file). Quotes are respected, so a delimiter
/// inside a quoted field does not count.
public enum CSVDelimiterDetector {
    public static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")]
    static let maxLines = 20

    /// `sample` is the start of the file; `isWholeFile` says whether its last line is complete
    /// even without a final newline.
    public static func detect(_ sample: UnsafeRawBufferPointer, isWholeFile: Bool) -> UInt8 {
        var counts = [[Int]](repeating: [], count: candidates.count)
        var current = [Int](repeating: 0, count: candidates.count)
        var inQuotes = false
        var lineHasContent = false
        var lines = 0
        for byte in sample {
            if byte == UInt8(ascii: "\"") { inQuotes.toggle() }
            if inQuotes { lineHasContent = true; continue }
            if byte == 10 {
                if lineHasContent {
                    for index in candidates.indices { counts[index].append(current[index]) }
                    lines += 1
                    if lines == maxLines { break }
                }
                current = [Int](repeating: 0, count: candidates.count)
                lineHasContent = false
                continue
            }
            if byte != 13 { lineHasContent = true }
            if let index = candidates.firstIndex(of: byte) { current[index] += 1 }
        }
        if isWholeFile, lineHasContent, lines < maxLines {
            for index in candidates.indices { counts[index].append(current[index]) }
        }
        var best: (delimiter: UInt8, fields: Int)? = nil
        for (index, candidate) in candidates.enumerated() {
            guard let first = counts[index].first, first > 0, counts[index].allSatisfy({ $0 == first }) else { continue }
            if best == nil || first > best!.fields { best = (candidate, first) }
        }
        if let best { return best.delimiter }
        var header: (delimiter: UInt8, count: Int) = (UInt8(ascii: ","), 0)
        for (index, candidate) in candidates.enumerated() {
            let count = counts[index].first ?? 0
            if count > header.count { header = (candidate, count) }
        }
        return header.delimiter
    }
}
