/// Writes a table as RFC 4180 CSV: a header row, fields quoted only when they hold the
/// delimiter, a quote or a line break, missing values as empty fields, numbers in their
/// shortest round-tripping form, `\n` line ends.
public enum CSVWriter {
    public static func csv(_ table: Table) -> String {
        var text = table.columns.map { field($0.name) }.joined(separator: ",") + "\n"
        for row in 0..<table.rowCount {
            text += table.columns.map { column in field(value(column, row)) }.joined(separator: ",")
            text += "\n"
        }
        return text
    }

    static func value(_ column: Column, _ row: Int) -> String {
        guard !column.isNull(row) else { return "" }
        switch column.values {
        case .float64(let values): return values[row].isFinite ? "\(values[row])" : ""
        case .int64(let values): return "\(values[row])"
        case .bool(let values): return values[row] ? "true" : "false"
        case .string(let values): return values[row]
        }
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        var quoted = "\""
        for character in text {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }
}
