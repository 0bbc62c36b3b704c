import Foundation
import LoomColumnar
import Testing

@testable import LoomML

@Suite("Column transforms: log, polynomial features, drop and select columns")
struct PreprocessingTransformTests {
    @Test("log_transform is log1p by default and ln(x + offset) otherwise; missing stays missing")
    func log() throws {
        let table = try makeTable(.float64("x", [0, 1, nil, 9]), .int64("n", [1, 2, 3, 4]))
        let output = try fitApply("log_transform", ["columns": ["x"]], table).table
        expectClose(values(output, "x"), [0, Foundation.log(2), nil, Foundation.log(10)])
        #expect(output["n"] == table["n"])
        let offset = try fitApply("log_transform", ["offset": 0.5], table).table
        expectClose(values(offset, "n"), [Foundation.log(1.5), Foundation.log(2.5), Foundation.log(3.5), Foundation.log(4.5)])
    }

    @Test("log_transform refuses values at or below −offset, naming the column")
    func logInvalid() throws {
        let table = try makeTable(.float64("x", [3, -1]))
        let error = expectError(.invalidValue, field: "columns") { _ = try fitApply("log_transform", [:], table) }
        #expect(error?.message.contains("'x'") == true)
        expectError(.invalidValue) { _ = try fitApply("log_transform", ["offset": 0], try makeTable(.float64("x", [0]))) }
    }

    static func abc() throws -> Table {
        try makeTable(.float64("a", [1, -1.5]), .float64("b", [2, 0.5]), .int64("c", [3, 4]))
    }

    @Test("polynomial features of degree 2 match scikit-learn's names, order and values")
    func polynomial() throws {
        let output = try fitApply("polynomial_features", [:], Self.abc()).table
        #expect(output.columns.map(\.name) == ["a", "b", "c", "a^2", "a*b", "a*c", "b^2", "b*c", "c^2"])
        let expected: [[Double]] = [[1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0], [-1.5, 0.5, 4.0, 2.25, -0.75, -6.0, 0.25, 2.0, 16.0]]
        for (index, name) in output.columns.map(\.name).enumerated() {
            expectClose(values(output, name), expected.map { $0[index] })
        }
    }

    @Test("interaction_only keeps the products of distinct columns; degree 3 and the bias column")
    func polynomialOptions() throws {
        let interactions = try fitApply("polynomial_features", ["interaction_only": true], Self.abc()).table
        #expect(interactions.columns.map(\.name) == ["a", "b", "c", "a*b", "a*c", "b*c"])
        expectClose(values(interactions, "b*c"), [6, 2])

        let cubic = try fitApply("polynomial_features", ["degree": 3, "columns": ["a", "b"], "include_bias": true], Self.abc()).table
        #expect(cubic.columns.map(\.name) == ["a", "b", "c", "1", "a^2", "a*b", "b^2", "a^3", "a^2*b", "a*b^2", "b^3"])
        let expected: [[Double]] = [[1.0, 2.0, 1.0, 2.0, 4.0, 1.0, 2.0, 4.0, 8.0], [-1.5, 0.5, 2.25, -0.75, 0.25, -3.375, 1.125, -0.375, 0.125]]
        for (index, name) in ["a", "b", "a^2", "a*b", "b^2", "a^3", "a^2*b", "a*b^2", "b^3"].enumerated() {
            expectClose(values(cubic, name), expected.map { $0[index] })
        }
        #expect(values(cubic, "1") == [1, 1])
    }

    @Test("polynomial features: a missing factor gives a missing product; too many columns are refused")
    func polynomialEdges() throws {
        let table = try makeTable(.float64("a", [2, nil]), .float64("b", [3, 4]))
        let output = try fitApply("polynomial_features", [:], table).table
        #expect(values(output, "a*b") == [6, nil])
        #expect(values(output, "b^2") == [9, 16])
        let wide = try Table(columns: (0..<200).map { Column.float64("x\($0)", [1.0]) })
        expectError(.tooManyFeatures, field: "columns") { _ = try fitApply("polynomial_features", [:], wide) }
    }

    @Test("drop_columns and select_columns; the target stays")
    func dropAndSelect() throws {
        let table = try makeTable(.float64("a", [1]), .string("name", ["x"]), .int64("y", [2]), .float64("b", [3]))
        #expect(try fitApply("drop_columns", ["columns": ["name"]], table).table.columns.map(\.name) == ["a", "y", "b"])
        expectError(.targetColumn, field: "columns") { _ = try fitApply("drop_columns", ["columns": ["y"]], table, target: "y") }
        expectError(.unknownColumn, field: "columns") { _ = try fitApply("drop_columns", ["columns": ["zz"]], table) }
        #expect(try fitApply("select_columns", ["columns": ["b", "a"]], table, target: "y").table.columns.map(\.name) == ["b", "a", "y"])
        #expect(try fitApply("select_columns", ["columns": ["y", "b"]], table, target: "y").table.columns.map(\.name) == ["y", "b"])
    }
}
