import LoomColumnar

// Column access shared by the steps: numeric views with missing rows, building output
// columns and tables, gathering rows, and quantiles computed the way NumPy does.

extension Column {
    /// The values as doubles (int64 and bool converted, false = 0, true = 1); nil for text.
    var numericValues: [Double]? {
        switch values {
        case .float64(let values): values
        case .int64(let values): values.map { Double($0) }
        case .bool(let values): values.map { $0 ? 1 : 0 }
        case .string: nil
        }
    }

    var isNumeric: Bool { type != .string }

    /// Whether each row holds a value: false for nulls and for NaN in a float column.
    /// nil when every row holds one (the common case, with no array built).
    var presence: [Bool]? {
        var present: [Bool]?
        if let validity {
            let flags = (0..<count).map { validity[$0] }
            if flags.contains(false) { present = flags }
        }
        if case .float64(let values) = values, values.contains(where: \.isNaN) {
            var flags = present ?? [Bool](repeating: true, count: count)
            for row in values.indices where values[row].isNaN { flags[row] = false }
            present = flags
        }
        return present
    }

    /// The number of rows without a value (nulls, and NaN in a float column).
    var missingCount: Int {
        guard let presence else { return 0 }
        return presence.reduce(0) { $0 + ($1 ? 0 : 1) }
    }

    /// The row's value as text: strings as they are, numbers the way labels show them.
    func text(at row: Int) -> String {
        switch values {
        case .string(let values): values[row]
        case .int64(let values): String(values[row])
        case .bool(let values): values[row] ? "true" : "false"
        case .float64(let values): formatLabel(values[row])
        }
    }
}

/// A double as a column name or class label shows it: whole numbers without ".0".
func formatLabel(_ value: Double) -> String {
    if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}

/// Builds a column; `presence` nil or all true gives a column without nulls.
func makeColumn(_ name: String, _ values: ColumnValues, presence: [Bool]?, by identity: StepIdentity?) throws(PreprocessingError) -> Column {
    var validity: ValidityBitmap?
    if let presence, presence.contains(false) { validity = ValidityBitmap(presence) }
    do {
        return try Column(name: name, values: values, validity: validity)
    } catch {
        throw PreprocessingError(code: .internalError, nodeID: identity?.nodeID, method: identity?.method, message: "could not build column '\(name)': \(error)")
    }
}

/// A new table whose column `i` is replaced by `replacements[i]` (an empty list removes
/// it), followed by `appended`; refuses a name that ends up used twice.
func rebuild(_ table: Table, replacing replacements: [Int: [Column]], appending appended: [Column] = [], by identity: StepIdentity) throws(PreprocessingError) -> Table {
    var columns: [Column] = []
    columns.reserveCapacity(table.columnCount + appended.count)
    for (index, column) in table.columns.enumerated() {
        if let replacement = replacements[index] { columns.append(contentsOf: replacement) } else { columns.append(column) }
    }
    columns.append(contentsOf: appended)
    do {
        return try Table(rowCount: table.rowCount, columns: columns)
    } catch {
        if case .duplicateColumnName(let name) = error {
            throw identity.error(.duplicateColumn, "\(identity.method) would create column '\(name)', but a column of that name already exists; rename or drop it first")
        }
        throw identity.error(.internalError, "could not build the table: \(error)")
    }
}

/// The table with only `rows` (positions, in the given order).
func gatherRows(_ table: Table, _ rows: [Int]) throws(PreprocessingError) -> Table {
    var columns: [Column] = []
    columns.reserveCapacity(table.columnCount)
    for column in table.columns {
        let values: ColumnValues
        switch column.values {
        case .float64(let source): values = .float64(rows.map { source[$0] })
        case .int64(let source): values = .int64(rows.map { source[$0] })
        case .bool(let source): values = .bool(rows.map { source[$0] })
        case .string(let source): values = .string(gatherStrings(source, rows))
        }
        var validity: ValidityBitmap?
        if let source = column.validity { validity = ValidityBitmap(rows.map { source[$0] }) }
        do {
            columns.append(try Column(name: column.name, values: values, validity: validity))
        } catch {
            throw PreprocessingError(code: .internalError, message: "could not gather rows of column '\(column.name)': \(error)")
        }
    }
    do {
        return try Table(rowCount: rows.count, columns: columns)
    } catch {
        throw PreprocessingError(code: .internalError, message: "could not gather rows: \(error)")
    }
}

private func gatherStrings(_ source: StringArray, _ rows: [Int]) -> StringArray {
    switch source.storage {
    case .dictionary(let entries, let codes):
        if let gathered = try? StringArray(entries: entries, codes: rows.map { codes[$0] }) { return gathered }
    case .plain(let offsets, let bytes):
        var newOffsets: [UInt32] = [0]
        newOffsets.reserveCapacity(rows.count + 1)
        var newBytes: [UInt8] = []
        for row in rows {
            newBytes.append(contentsOf: bytes[Int(offsets[row])..<Int(offsets[row + 1])])
            newOffsets.append(UInt32(truncatingIfNeeded: newBytes.count))
        }
        if let gathered = try? StringArray(offsets: newOffsets, bytes: newBytes) { return gathered }
    }
    return StringArray(rows.map { source[$0] })
}

/// The columns a step works on, as indices into `table.columns`. `requested` nil means
/// every column except the target for which `suits` holds; named columns must exist,
/// must not be the target, and must suit the step (`expected` says what suits it).
func resolveColumns(
    _ requested: [String]?, in table: Table, target: String?, by identity: StepIdentity,
    field: String = "columns", allowTarget: Bool = false, expected: String, suits: (Column) -> Bool
) throws(PreprocessingError) -> [Int] {
    guard let requested else {
        return table.columns.indices.filter { table.columns[$0].name != target && suits(table.columns[$0]) }
    }
    var indices: [Int] = []
    indices.reserveCapacity(requested.count)
    for name in requested {
        guard let index = table.columns.firstIndex(where: { $0.name == name }) else {
            let available = table.columns.map(\.name)
            let shown = available.prefix(20).map { "'\($0)'" }.joined(separator: ", ") + (available.count > 20 ? ", ..." : "")
            throw identity.error(.unknownColumn, field: field, "there is no column '\(name)' at this step; the columns are \(shown)")
        }
        if name == target && !allowTarget {
            throw identity.error(.targetColumn, field: field, "'\(name)' is the target column; \(identity.method) works on feature columns only")
        }
        guard suits(table.columns[index]) else {
            throw identity.error(.invalidColumnType, field: field, "column '\(name)' is \(table.columns[index].type); \(identity.method) needs \(expected)")
        }
        indices.append(index)
    }
    return indices
}

/// The values of `rows` that are present, in row order.
func presentValues(_ values: [Double], _ presence: [Bool]?, rows: [Int]) -> [Double] {
    var result: [Double] = []
    result.reserveCapacity(rows.count)
    if let presence {
        for row in rows where presence[row] { result.append(values[row]) }
    } else {
        for row in rows { result.append(values[row]) }
    }
    return result
}

/// The q-th percentiles (each 0...100) of non-empty values with linear interpolation,
/// as NumPy's `percentile(method="linear")`. Uses selection rather than a full sort, so
/// a few percentiles of a long column cost about two passes over it.
func percentiles(_ input: [Double], _ qs: [Double]) -> [Double] {
    var values = input
    let count = values.count
    var results = [Double](repeating: 0, count: qs.count)
    let order = qs.indices.sorted { qs[$0] < qs[$1] }
    var start = 0
    values.withUnsafeMutableBufferPointer { buffer in
        for index in order {
            let position = qs[index] / 100 * Double(count - 1)
            let low = min(max(Int(position.rounded(.down)), 0), count - 1)
            select(buffer, rank: low, from: start)
            let a = buffer[low]
            var b = a
            if low + 1 < count {
                b = buffer[low + 1]
                for item in buffer[(low + 2)...] where item < b { b = item }
            }
            results[index] = lerp(a, b, position - Double(low))
            start = low
        }
    }
    return results
}

/// The q-th percentile of values already sorted ascending (non-empty).
func percentile(sorted: [Double], _ q: Double) -> Double {
    let position = q / 100 * Double(sorted.count - 1)
    let low = Int(position.rounded(.down))
    let high = min(low + 1, sorted.count - 1)
    return lerp(sorted[low], sorted[high], position - Double(low))
}

/// NumPy's lerp, which interpolates from the nearer end.
private func lerp(_ a: Double, _ b: Double, _ fraction: Double) -> Double {
    fraction >= 0.5 ? b - (b - a) * (1 - fraction) : a + (b - a) * fraction
}

/// Rearranges `buffer[start...]` so that the element at `rank` is the one a sort would
/// put there, smaller ones before it and larger ones after (quickselect with a median
/// of three, falling back to sorting the range if partitions keep coming out lopsided).
/// Every element of `buffer[..<start]` must be ≤ every element after.
private func select(_ buffer: UnsafeMutableBufferPointer<Double>, rank: Int, from start: Int) {
    var low = start
    var high = buffer.count - 1
    var budget = 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount) + 8
    while high > low {
        if budget == 0 {
            var range = UnsafeMutableBufferPointer(rebasing: buffer[low...high])
            range.sort()
            return
        }
        budget -= 1
        let middle = low + (high - low) / 2
        if buffer[middle] < buffer[low] { buffer.swapAt(middle, low) }
        if buffer[high] < buffer[low] { buffer.swapAt(high, low) }
        if buffer[high] < buffer[middle] { buffer.swapAt(high, middle) }
        let pivot = buffer[middle]
        var i = low
        var j = high
        while i <= j {
            while buffer[i] < pivot { i += 1 }
            while buffer[j] > pivot { j -= 1 }
            if i <= j {
                buffer.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
        if rank <= j {
            high = j
        } else if rank >= i {
            low = i
        } else {
            return
        }
    }
}

/// The mean and the population variance (divisor n) of non-empty values, in two passes.
func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
    let count = Double(values.count)
    var sum = 0.0
    for value in values { sum += value }
    let mean = sum / count
    var squares = 0.0
    var correction = 0.0
    for value in values {
        let deviation = value - mean
        squares += deviation * deviation
        correction += deviation
    }
    // The correction term removes the rounding error left in the mean (as NumPy and
    // scikit-learn do), so that constant columns get a variance of exactly 0.
    return (mean, max((squares - correction * correction / count) / count, 0))
}

/// Double values of `column` as floats, with the missing rows; nil for text.
func numericView(_ column: Column) -> (values: [Double], presence: [Bool]?)? {
    guard let values = column.numericValues else { return nil }
    return (values, column.presence)
}

/// Replaces each column named in `names` by a float64 column of `transform(i, x)` for its
/// present values (i is the name's position in `names`); missing rows stay missing.
func mapNumericColumns(
    _ table: Table, names: [String], by identity: StepIdentity, _ transform: (Int, Double) throws(PreprocessingError) -> Double
) throws(PreprocessingError) -> Table {
    var replacements: [Int: [Column]] = [:]
    for (position, name) in names.enumerated() {
        guard let index = table.columns.firstIndex(where: { $0.name == name }) else {
            throw identity.error(.unknownColumn, field: "columns", "column '\(name)', seen when this step was fitted, is missing from the data it is applied to")
        }
        let column = table.columns[index]
        guard let (values, presence) = numericView(column) else {
            throw identity.error(.invalidColumnType, field: "columns", "column '\(name)' is \(column.type); \(identity.method) needs a numeric column")
        }
        var output = [Double](repeating: 0, count: values.count)
        if let presence {
            for row in values.indices where presence[row] { output[row] = try transform(position, values[row]) }
        } else {
            for row in values.indices { output[row] = try transform(position, values[row]) }
        }
        replacements[index] = [try makeColumn(name, .float64(output), presence: presence, by: identity)]
    }
    return try rebuild(table, replacing: replacements, by: identity)
}

/// For a fit: the present training values of each of `columns` (indices into the table).
func trainingValues(_ table: Table, columns: [Int], rows: [Int]) -> [[Double]] {
    columns.map { index in
        let column = table.columns[index]
        guard let (values, presence) = numericView(column) else { return [] }
        return presentValues(values, presence, rows: rows)
    }
}

/// Refuses a fit on a column without any present training value.
func requireValues(_ values: [Double], column: String, by identity: StepIdentity) throws(PreprocessingError) {
    if values.isEmpty {
        throw identity.error(.notEnoughRows, field: "columns", "column '\(column)' has no values in the training rows, so \(identity.method) has nothing to learn from")
    }
}

let numericDescription = "a numeric column (float64, int64 or bool)"

let scalableDescription = "a number column (float64 or int64)"
func isScalable(_ column: Column) -> Bool { column.type == .float64 || column.type == .int64 }
