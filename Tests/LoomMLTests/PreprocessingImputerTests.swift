import LoomColumnar
import Testing

@testable import LoomML

@Suite("Simple imputer")
struct PreprocessingImputerTests {
    /// Rows 0...5 train; row 6 is a test row missing both values. NaN counts as missing.
    static func sample() throws -> Table {
        try makeTable(
            .float64("x", [1, .nan, 2, 10, 2, nil, nil]),
            .int64("n", [3, 3, nil, 7, 7, 1, nil])
        )
    }

    @Test("mean, median and most_frequent learn from the training rows (scikit-learn)", arguments: [
        ("mean", [3.75, 4.2]),
        ("median", [2.0, 3.0]),
        ("most_frequent", [2.0, 3.0]),
    ])
    func strategies(strategy: String, statistics: [Double]) throws {
        let (output, fitted) = try fitApply("simple_imputer", ["strategy": .string(strategy)], Self.sample(), trainingRows: Array(0..<6))
        let imputer = try #require(fitted as? SimpleImputer.Fitted)
        expectClose(imputer.statistics.map { $0 ?? .nan }, statistics)
        let (fillX, fillN) = (statistics[0], statistics[1])
        expectClose(values(output, "x"), [1, fillX, 2, 10, 2, fillX, fillX])
        expectClose(values(output, "n"), [3, 3, fillN, 7, 7, 1, fillN])
        #expect(output.columns.allSatisfy { !$0.isNullable })
        // Mean and median make numbers fractional; most_frequent keeps the type.
        #expect(output["n"]?.type == (strategy == "most_frequent" ? .int64 : .float64))
    }

    @Test("median of an even count averages the middle pair; most_frequent breaks ties to the smallest")
    func byHand() throws {
        let table = try makeTable(.float64("x", [4, 1, nil, 3, 2]), .string("c", ["b", "a", nil, "b", "a"]))
        #expect(values(try fitApply("simple_imputer", ["strategy": "median", "columns": ["x"]], table).table, "x") == [4, 1, 2.5, 3, 2])
        let mode = try fitApply("simple_imputer", ["strategy": "most_frequent"], table).table
        #expect(mode["c"]?.string(at: 2) == "a")
        #expect(values(mode, "x") == [4, 1, 1, 3, 2])
    }

    @Test("constant fills with fill_value, or 0 / \"missing_value\" by default")
    func constant() throws {
        let table = try makeTable(.float64("x", [nil, 1]), .string("c", [nil, "a"]), .int64("n", [nil, 5]), .bool("b", [nil, true]))
        let defaults = try fitApply("simple_imputer", ["strategy": "constant"], table).table
        #expect(values(defaults, "x") == [0, 1])
        #expect(defaults["c"]?.string(at: 0) == "missing_value")
        #expect(defaults["n"]?.integer(at: 0) == 0)
        #expect(defaults["b"]?.boolean(at: 0) == false)
        let numbers = try fitApply("simple_imputer", ["strategy": "constant", "fill_value": -1, "columns": ["x", "n"]], table).table
        #expect(values(numbers, "x") == [-1, 1])
        #expect(numbers["n"]?.integer(at: 0) == -1)
        let text = try fitApply("simple_imputer", ["strategy": "constant", "fill_value": "unknown", "columns": ["c"]], table).table
        #expect(text["c"]?.string(at: 0) == "unknown")
        expectError(.invalidParameter, field: "fill_value") {
            _ = try fitApply("simple_imputer", ["strategy": "constant", "fill_value": "unknown"], table)
        }
    }

    @Test("mean needs numbers and training values")
    func errors() throws {
        let table = try makeTable(.string("c", ["a", nil]), .float64("x", [nil, 1]))
        expectError(.invalidColumnType, field: "columns") { _ = try fitApply("simple_imputer", ["columns": ["c"]], table) }
        expectError(.notEnoughRows, field: "columns") { _ = try fitApply("simple_imputer", ["columns": ["x"]], table, trainingRows: [0]) }
        // The default columns of mean are the number columns only.
        let output = try fitApply("simple_imputer", [:], table).table
        #expect(values(output, "x") == [1, 1])
        #expect(output["c"]?.isNull(1) == true)
    }
}
