/// A dense matrix of doubles in row-major order: what models consume. Row `r`, column
/// `c` is `values[r * columns + c]`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public private(set) var values: [Double]

    /// Returns nil when `values.count != rows * columns` or a dimension is negative.
    public init?(rows: Int, columns: Int, values: [Double]) {
        guard rows >= 0, columns >= 0, values.count == rows * columns else { return nil }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix of zeros.
    public init(rows: Int, columns: Int) {
        self.rows = max(rows, 0)
        self.columns = max(columns, 0)
        self.values = [Double](repeating: 0, count: self.rows * self.columns)
    }

    init(uncheckedRows rows: Int, columns: Int, values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The values of one row, as a slice of `values`.
    public func row(_ row: Int) -> ArraySlice<Double> {
        values[(row * columns)..<((row + 1) * columns)]
    }

    /// The values of one column, copied out.
    public func column(_ column: Int) -> [Double] {
        (0..<rows).map { values[$0 * columns + column] }
    }
}
