// TreeInput: the checks every tree model makes on its input, and the column-major float32
// copy of the features that the split searches scan. Like scikit-learn, decision trees and
// forests work on float32 features (`X.astype(np.float32)`) with float64 thresholds, so a
// split found here is the split scikit-learn finds on the same data.

enum TreeInput {
    /// Class counts beyond this are a mistake, not a dataset (each node keeps one number per class).
    static let maxClassCount = 100_000

    static func checkClassification(_ x: FeatureMatrixView, _ y: [Int], classCount: Int) throws(ModelError) {
        try checkShape(x, targetCount: y.count)
        guard classCount >= 1, classCount <= maxClassCount else {
            throw ModelError(.invalidInput, "classCount must be in 1...\(maxClassCount), got \(classCount)")
        }
        if let index = y.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw ModelError(.invalidInput, "row \(index) has class \(y[index]), outside 0..<\(classCount)")
        }
    }

    static func checkRegression(_ x: FeatureMatrixView, _ y: [Double]) throws(ModelError) {
        try checkShape(x, targetCount: y.count)
        if let index = y.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(.invalidInput, "row \(index) has target \(y[index]); targets must be finite")
        }
    }

    private static func checkShape(_ x: FeatureMatrixView, targetCount: Int) throws(ModelError) {
        guard x.rows >= 1 else { throw ModelError(.invalidInput, "cannot fit on 0 rows") }
        guard x.columns >= 1 else { throw ModelError(.invalidInput, "cannot fit on 0 features") }
        // Row numbers are stored as Int32 in the sorted feature lists.
        guard x.rows < Int(Int32.max) else {
            throw ModelError(.invalidInput, "tree models fit at most \(Int32.max - 1) rows, got \(x.rows)")
        }
        guard targetCount == x.rows else {
            throw ModelError(.invalidInput, "\(x.rows) rows of features but \(targetCount) targets")
        }
    }

    static func checkPredict(_ x: FeatureMatrixView, featureCount: Int?) throws(ModelError) {
        guard let featureCount else { throw ModelError(.notFitted, "the model has not been fitted") }
        guard x.columns == featureCount else {
            throw ModelError(.invalidInput, "the model was fitted on \(featureCount) features, got \(x.columns)")
        }
    }

    /// Throws when a value does not fit a float32, as scikit-learn does for trees.
    static func checkFloat32Range(_ x: FeatureMatrixView) throws(ModelError) {
        let limit = Double(Float.greatestFiniteMagnitude)
        if let index = x.values.firstIndex(where: { abs($0) > limit }) {
            throw ModelError(
                .invalidInput,
                "row \(index / x.columns), feature \(index % x.columns) is too large for float32, which tree models use"
            )
        }
    }
}

/// The features as float32 columns (`values[f * rows + i]`), and for each feature the rows
/// in increasing order of value (ties by row), sorted once per fit and shared by every tree.
struct TreeFeatureColumns: Sendable {
    let rows: Int
    let columns: Int
    let values: [Float]
    let sortedRows: [Int32]

    init(_ x: FeatureMatrixView) {
        rows = x.rows
        columns = x.columns
        let (n, d) = (x.rows, x.columns)
        var columnValues = [Float](repeating: 0, count: n * d)
        x.values.withUnsafeBufferPointer { source in
            columnValues.withUnsafeMutableBufferPointer { target in
                for i in 0..<n {
                    for f in 0..<d { target[f * n + i] = Float(source[i * d + f]) }
                }
            }
        }
        values = columnValues
        sortedRows = TreeFeatureColumns.sortRows(columnValues, rows: n, columns: d)
    }

    /// Sorts 64-bit keys (order-preserving float bits, then the row) per feature, on every core.
    private static func sortRows(_ values: [Float], rows n: Int, columns d: Int) -> [Int32] {
        var order = [Int32](repeating: 0, count: n * d)
        order.withUnsafeMutableBufferPointer { target in
            nonisolated(unsafe) let out = target
            values.withUnsafeBufferPointer { source in
                nonisolated(unsafe) let input = source
                TreeParallel.forEach(count: d, threads: nil) { f in
                    var keys = [UInt64](repeating: 0, count: n)
                    for i in 0..<n {
                        keys[i] = (UInt64(Self.sortableBits(input[f * n + i])) << 32) | UInt64(i)
                    }
                    keys.sort()
                    for i in 0..<n { out[f * n + i] = Int32(truncatingIfNeeded: keys[i]) }
                }
            }
        }
        return order
    }

    @inline(__always)
    private static func sortableBits(_ value: Float) -> UInt32 {
        let bits = (value == 0 ? Float(0) : value).bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }
}
