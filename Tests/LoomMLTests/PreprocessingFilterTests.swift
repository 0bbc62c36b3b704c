import LoomColumnar
import Testing

@testable import LoomML

@Suite("Row filters: drop_missing and remove_outliers")
struct PreprocessingFilterTests {
    @Test("drop_missing drops rows with a null or NaN in the listed columns (default: all)")
    func dropMissing() throws {
        let table = try makeTable(
            .float64("x", [1, .nan, 3, 4, 5]),
            .string("c", ["a", "b", nil, "d", "e"]),
            .int64("y", [1, 2, 3, nil, 5])
        )
        #expect(try keptRows("drop_missing", [:], table) == [0, 4])
        #expect(try keptRows("drop_missing", ["columns": ["y"]], table, target: "y") == [0, 1, 2, 4])
        #expect(try keptRows("drop_missing", ["columns": ["x", "c"]], table) == [0, 3, 4])
        expectError(.unknownColumn, field: "columns") { _ = try keptRows("drop_missing", ["columns": ["z"]], table) }
    }

    /// scipy/NumPy: Q1 10.75, Q3 12.125; z-scores of rows 6 and 9 are 2.64 and 2.23.
    static func readings() throws -> Table {
        try makeTable(
            .float64("v", [10, 12, 11, 13, 12, 11, 50, 12, 10, -20, 11.5, 12.5]),
            .string("id", (0..<12).map { "r\($0)" })
        )
    }

    @Test("IQR rule with threshold 1.5 keeps [Q1 − 1.5·IQR, Q3 + 1.5·IQR] (NumPy percentiles)")
    func iqr() throws {
        #expect(try keptRows("remove_outliers", [:], Self.readings()) == [0, 1, 2, 3, 4, 5, 7, 8, 10, 11])
        // A wider threshold keeps everything within 30 IQRs (50 is 27.5 IQRs above Q3).
        #expect(try keptRows("remove_outliers", ["threshold": 30], Self.readings()) == Array(0..<12))
        let filter = try #require(try makeStep("remove_outliers") as? RemoveOutliers)
        let bounds = try filter.bounds(in: Self.readings(), target: nil)
        #expect(bounds.count == 1)
        expectClose([bounds[0].low, bounds[0].high], [10.75 - 1.5 * 1.375, 12.125 + 1.5 * 1.375])
    }

    @Test("z-score rule against scipy.stats.zscore (population std)", arguments: [
        (2.0, [0, 1, 2, 3, 4, 5, 7, 8, 10, 11]),
        (2.5, [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11]),
        (3.0, Array(0..<12)),
    ])
    func zscore(threshold: Double, kept: [Int]) throws {
        #expect(try keptRows("remove_outliers", ["method": "zscore", "threshold": .number(threshold)], Self.readings()) == kept)
    }

    @Test("missing values are never outliers; constant columns have none; text columns are refused")
    func edges() throws {
        let table = try makeTable(.float64("v", [1, nil, 1, 1, 100]), .float64("flat", [2, 2, 2, 2, 2]), .string("s", ["a", "b", "c", "d", "e"]))
        #expect(try keptRows("remove_outliers", ["columns": ["v"]], table) == [0, 1, 2, 3])
        #expect(try keptRows("remove_outliers", ["method": "zscore", "columns": ["flat"]], table) == [0, 1, 2, 3, 4])
        expectError(.invalidColumnType, field: "columns") { _ = try keptRows("remove_outliers", ["columns": ["s"]], table) }
    }
}
