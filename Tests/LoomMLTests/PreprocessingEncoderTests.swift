import LoomColumnar
import Testing

@testable import LoomML

@Suite("Encoders: one-hot, ordinal, label")
struct PreprocessingEncoderTests {
    /// Rows 0...5 train; row 6 ("purple") is a category the training rows lack.
    static func colors() throws -> Table {
        try makeTable(
            .float64("size", [1, 2, 3, 4, 5, 6, 7, 8]),
            .string("color", ["red", "green", "blue", "green", "red", "green", "purple", "blue"])
        )
    }

    @Test("one-hot: sorted categories in place of the column, unknown categories all zeros (scikit-learn)")
    func oneHot() throws {
        let (output, fitted) = try fitApply("one_hot_encoder", [:], Self.colors(), trainingRows: Array(0..<6))
        #expect(output.columns.map(\.name) == ["size", "color_blue", "color_green", "color_red"])
        let encoder = try #require(fitted as? OneHotEncoder.Fitted)
        #expect(encoder.encodings == [.init(column: "color", categories: ["blue", "green", "red"], infrequentCategories: [], dropsFirst: false)])
        // scikit-learn OneHotEncoder(handle_unknown="ignore").fit(rows 0...5).transform(all rows)
        let expected: [[Double]] = [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0], [1, 0, 0]]
        for (index, name) in ["color_blue", "color_green", "color_red"].enumerated() {
            #expect(values(output, name) == expected.map { $0[index] })
        }
        #expect(output["size"] == (try Self.colors())["size"])
    }

    @Test("one-hot with handle_unknown error names the category")
    func oneHotUnknownError() throws {
        let error = expectError(.unknownCategory, field: "handle_unknown") {
            _ = try fitApply("one_hot_encoder", ["handle_unknown": "error"], Self.colors(), trainingRows: Array(0..<6))
        }
        #expect(error?.message.contains("'purple'") == true)
    }

    @Test("one-hot max_categories groups the rarest categories (scikit-learn's choice)")
    func oneHotMaxCategories() throws {
        let table = try makeTable(.string("x", "aabbbcdddde".map(String.init)))
        let (output, fitted) = try fitApply("one_hot_encoder", ["max_categories": 3], table)
        let encoder = try #require(fitted as? OneHotEncoder.Fitted)
        #expect(encoder.encodings[0].categories == ["b", "d"])
        #expect(encoder.encodings[0].infrequentCategories == ["a", "c", "e"])
        #expect(output.columns.map(\.name) == ["x_b", "x_d", "x_infrequent"])
        #expect(values(output, "x_b") == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        #expect(values(output, "x_d") == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0])
        #expect(values(output, "x_infrequent") == [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1])
    }

    @Test("one-hot drop first and if_binary")
    func oneHotDrop() throws {
        let first = try fitApply("one_hot_encoder", ["drop": "first"], Self.colors(), trainingRows: Array(0..<6)).table
        #expect(first.columns.map(\.name) == ["size", "color_green", "color_red"])
        #expect(values(first, "color_green") == [0, 1, 0, 1, 0, 1, 0, 0])
        let binary = try makeTable(.string("sex", ["f", "m", "m"]), .string("c", ["x", "y", "z"]))
        let output = try fitApply("one_hot_encoder", ["drop": "if_binary"], binary).table
        #expect(output.columns.map(\.name) == ["sex_m", "c_x", "c_y", "c_z"])
    }

    @Test("one-hot of numbers and booleans when named; by default only text columns")
    func oneHotTypes() throws {
        let table = try makeTable(.int64("cyl", [4, 8, 6, 4]), .bool("flag", [true, false, true, true]), .string("t", ["a", "a", "b", "a"]))
        #expect(try fitApply("one_hot_encoder", [:], table).table.columns.map(\.name) == ["cyl", "flag", "t_a", "t_b"])
        let named = try fitApply("one_hot_encoder", ["columns": ["cyl", "flag"]], table).table
        #expect(named.columns.map(\.name) == ["cyl_4", "cyl_6", "cyl_8", "flag_false", "flag_true", "t"])
        #expect(values(named, "cyl_6") == [0, 0, 1, 0])
        expectError(.invalidColumnType, field: "columns") {
            _ = try fitApply("one_hot_encoder", ["columns": ["x"]], try makeTable(.float64("x", [1.5, 2])))
        }
    }

    @Test("one-hot refuses missing values and a name clash")
    func oneHotErrors() throws {
        let missing = try makeTable(.string("c", ["a", nil, "b"]))
        let error = expectError(.missingValues, field: "columns") { _ = try fitApply("one_hot_encoder", [:], missing) }
        #expect(error?.message.contains("simple_imputer") == true)
        let clash = try makeTable(.string("c", ["a", "b"]), .float64("c_a", [1, 2]))
        expectError(.duplicateColumn) { _ = try fitApply("one_hot_encoder", ["columns": ["c"]], clash) }
    }

    @Test("ordinal encoder: sorted codes, unknown categories -1 (scikit-learn), or an error")
    func ordinal() throws {
        let (output, fitted) = try fitApply("ordinal_encoder", [:], Self.colors(), trainingRows: Array(0..<6))
        #expect(values(output, "color") == [2, 1, 0, 1, 2, 1, -1, 0])
        #expect((fitted as? OrdinalEncoder.Fitted)?.categories == [["blue", "green", "red"]])
        let custom = try fitApply("ordinal_encoder", ["unknown_value": 99], Self.colors(), trainingRows: Array(0..<6)).table
        #expect(values(custom, "color")[6] == 99)
        expectError(.unknownCategory, field: "handle_unknown") {
            _ = try fitApply("ordinal_encoder", ["handle_unknown": "error"], Self.colors(), trainingRows: Array(0..<6))
        }
    }

    @Test("label_encoder is the ordinal encoder under its own name")
    func labelEncoder() throws {
        let (output, fitted) = try fitApply("label_encoder", [:], Self.colors())
        #expect(values(output, "color") == [3, 1, 0, 1, 3, 1, 2, 0])
        #expect(fitted.identity.method == "label_encoder")
    }

    @Test("text categories sort by code point, as NumPy sorts them")
    func codePointOrder() throws {
        let table = try makeTable(.string("c", ["b", "B", "a", "é", "A"]))
        #expect(values(try fitApply("ordinal_encoder", [:], table).table, "c") == [3, 1, 2, 4, 0])
    }
}
