import LoomColumnar

// Categories of a column, shared by the encoders and the classification target: each
// distinct value as text, ordered as scikit-learn orders them (numbers by value, text by
// code point, false before true).

struct CategoryCount {
    let text: String
    let count: Int
    /// The first of `rows` holding this category.
    let firstRow: Int
}

/// UTF-8 byte order, which is Unicode code point order (NumPy's order for strings).
func codePointLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// The distinct values of `rows` in `column` with their counts, in category order.
/// Missing rows are refused with a hint that names `method`.
/// With `skipsMissing`, missing rows are left out instead.
func categoryCounts(_ column: Column, rows: [Int], by identity: StepIdentity?, purpose: String, skipsMissing: Bool = false) throws(PreprocessingError) -> [CategoryCount] {
    let presence = column.presence
    if !skipsMissing, let presence, let row = rows.first(where: { !presence[$0] }) {
        throw PreprocessingError(
            code: .missingValues, nodeID: identity?.nodeID, method: identity?.method, field: identity == nil ? nil : "columns",
            message: "column '\(column.name)' has missing values (row \(row)); \(purpose)"
        )
    }
    var counts: [String: (count: Int, firstRow: Int)] = [:]
    var numeric: [String: Double] = [:]
    let values = column.numericValues
    for row in rows {
        if let presence, !presence[row] { continue }
        let text = column.text(at: row)
        if let entry = counts[text] {
            counts[text] = (entry.count + 1, entry.firstRow)
        } else {
            counts[text] = (1, row)
            if let values { numeric[text] = values[row] }
        }
    }
    var result = counts.map { CategoryCount(text: $0.key, count: $0.value.count, firstRow: $0.value.firstRow) }
    if values != nil {
        result.sort { numeric[$0.text] ?? 0 < numeric[$1.text] ?? 0 }
    } else {
        result.sort { codePointLess($0.text, $1.text) }
    }
    return result
}

/// The text of every row of `column`, for encoders applying what they learned; refuses
/// missing values with the same hint as `categoryCounts`.
func categoryTexts(_ column: Column, by identity: StepIdentity, purpose: String) throws(PreprocessingError) -> [String] {
    if let presence = column.presence, let row = presence.firstIndex(of: false) {
        throw identity.error(.missingValues, field: "columns", "column '\(column.name)' has missing values (row \(row)); \(purpose)")
    }
    if case .string(let strings) = column.values { return Array(strings) }
    return (0..<column.count).map { column.text(at: $0) }
}

func imputeHint(_ method: String) -> String {
    "add a simple_imputer (strategy most_frequent or constant) or drop_missing before \(method)"
}

let encodableDescription = "a column of categories (string, bool or int64)"
func isEncodable(_ column: Column) -> Bool { column.type != .float64 }
func isEncodedByDefault(_ column: Column) -> Bool { column.type == .string }
