import LoomColumnar
import Testing

@testable import LoomML

@Suite("Scalers: standard, min-max, robust")
struct PreprocessingScalerTests {
    /// The table of the scikit-learn cases: rows 0...5 train, rows 6 and 7 are test rows.
    static func sample() throws -> Table {
        try makeTable(
            .float64("a", [1.5, 2.0, nil, 4.25, 8.0, -3.0, 12.0, 0.5]),
            .int64("b", [10, 20, 20, 40, 50, 35, 5, 100]),
            .string("label", ["x", "y", "x", "y", "x", "y", "x", "y"])
        )
    }

    static let training = Array(0..<6)

    @Test("standard scaler, by hand: mean 2.5 and population std √1.25 of [1, 2, 3, 4]")
    func standardByHand() throws {
        let table = try makeTable(.float64("x", [1, 2, 3, 4]), .float64("flat", [7, 7, 7, 7]))
        let (output, fitted) = try fitApply("standard_scaler", [:], table)
        let scaler = try #require(fitted as? StandardScaler.Fitted)
        #expect(scaler.means == [2.5, 7])
        #expect(scaler.standardDeviations == [(1.25).squareRoot(), 0])
        let s = (1.25).squareRoot()
        expectClose(values(output, "x"), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s])
        // No spread: centred only, as scikit-learn.
        #expect(values(output, "flat") == [0, 0, 0, 0])
    }

    @Test("standard scaler matches scikit-learn, missing values ignored and kept")
    func standardReference() throws {
        let (output, fitted) = try fitApply("standard_scaler", [:], Self.sample(), trainingRows: Self.training)
        let scaler = try #require(fitted as? StandardScaler.Fitted)
        #expect(scaler.columns == ["a", "b"])  // text columns are not numeric features
        expectClose(scaler.means, [2.55, 29.166666666666668])
        expectClose(scaler.scales, [3.6, 13.667682889047272])
        expectClose(values(output, "a"), [-0.29166666666666663, -0.15277777777777773, nil, 0.47222222222222227, 1.5138888888888888, -1.5416666666666665, 2.6249999999999996, -0.5694444444444444])
        expectClose(values(output, "b"), [-1.4023347499542924, -0.6706818369346617, -0.6706818369346617, 0.7926239891046, 1.5242769021242306, 0.42679753259478453, -1.768161206464108, 5.182541467222385])
        #expect(output["b"]?.type == .float64)
        #expect(output["label"] == (try Self.sample())["label"])
    }

    @Test("with_mean false only divides; with_std false only centres")
    func standardOptions() throws {
        let table = try makeTable(.float64("x", [1, 2, 3, 4]))
        let s = (1.25).squareRoot()
        expectClose(values(try fitApply("standard_scaler", ["with_mean": false], table).table, "x"), [1 / s, 2 / s, 3 / s, 4 / s])
        expectClose(values(try fitApply("standard_scaler", ["with_std": false], table).table, "x"), [-1.5, -0.5, 0.5, 1.5])
    }

    @Test("min-max scaler, by hand and against scikit-learn with feature_range [-1, 1]")
    func minMax() throws {
        let hand = try fitApply("minmax_scaler", [:], try makeTable(.float64("x", [2, 4, 6, 10]), .int64("c", [3, 3, 3, 3])))
        expectClose(values(hand.table, "x"), [0, 0.25, 0.5, 1])
        #expect(values(hand.table, "c") == [0, 0, 0, 0])

        let (output, fitted) = try fitApply("minmax_scaler", ["feature_range": [-1, 1]], Self.sample(), trainingRows: Self.training)
        let scaler = try #require(fitted as? MinMaxScaler.Fitted)
        #expect(scaler.dataMinimums == [-3, 10])
        #expect(scaler.dataMaximums == [8, 50])
        expectClose(values(output, "a"), [-0.18181818181818188, -0.09090909090909094, nil, 0.3181818181818181, 1.0, -1.0, 1.727272727272727, -0.36363636363636365])
        expectClose(values(output, "b"), [-1.0, -0.5, -0.5, 0.5, 1.0, 0.25, -1.25, 3.5])

        let clipped = try fitApply("minmax_scaler", ["feature_range": [-1, 1], "clip": true], Self.sample(), trainingRows: Self.training).table
        expectClose(values(clipped, "a"), [-0.18181818181818188, -0.09090909090909094, nil, 0.3181818181818181, 1.0, -1.0, 1.0, -0.36363636363636365])
        expectClose(values(clipped, "b"), [-1.0, -0.5, -0.5, 0.5, 1.0, 0.25, -1.0, 1.0])
    }

    @Test("robust scaler, by hand and against scikit-learn (IQR and quantile_range [10, 90])")
    func robust() throws {
        // Median 3, Q1 2, Q3 4 (NumPy's linear percentiles of 1...5).
        let hand = try fitApply("robust_scaler", [:], try makeTable(.float64("x", [1, 2, 3, 4, 5])))
        expectClose(values(hand.table, "x"), [-1, -0.5, 0, 0.5, 1])

        let (output, fitted) = try fitApply("robust_scaler", [:], Self.sample(), trainingRows: Self.training)
        let scaler = try #require(fitted as? RobustScaler.Fitted)
        expectClose(scaler.medians, [2.0, 27.5])
        expectClose(scaler.quantileRanges, [2.75, 18.75])
        expectClose(values(output, "a"), [-0.18181818181818182, 0.0, nil, 0.8181818181818182, 2.1818181818181817, -1.8181818181818181, 3.6363636363636362, -0.5454545454545454])
        expectClose(values(output, "b"), [-0.9333333333333333, -0.4, -0.4, 0.6666666666666666, 1.2, 0.4, -1.2, 3.8666666666666667])

        let wide = try fitApply("robust_scaler", ["quantile_range": [10, 90]], Self.sample(), trainingRows: Self.training).table
        expectClose(values(wide, "a"), [-0.06493506493506493, 0.0, nil, 0.2922077922077922, 0.7792207792207793, -0.6493506493506493, 1.2987012987012987, -0.19480519480519481])
        expectClose(values(wide, "b"), [-0.5833333333333334, -0.25, -0.25, 0.4166666666666667, 0.75, 0.25, -0.75, 2.4166666666666665])
    }

    @Test("scalers refuse unknown columns, text columns and the target, naming node and field")
    func columnErrors() throws {
        let table = try Self.sample()
        for method in ["standard_scaler", "minmax_scaler", "robust_scaler"] {
            let unknown = expectError(.unknownColumn, field: "columns") { _ = try fitApply(method, ["columns": ["nope"]], table) }
            #expect(unknown?.nodeID == "n1")
            #expect(unknown?.method == method)
            expectError(.invalidColumnType, field: "columns") { _ = try fitApply(method, ["columns": ["label"]], table) }
            expectError(.targetColumn, field: "columns") { _ = try fitApply(method, ["columns": ["a"]], table, target: "a") }
        }
        // By default the target is left alone.
        let (output, _) = try fitApply("standard_scaler", [:], table, target: "b")
        #expect(output["b"] == table["b"])
    }

    @Test("a column without training values cannot be fitted")
    func emptyTraining() throws {
        let table = try makeTable(.float64("x", [nil, nil, 3]))
        expectError(.notEnoughRows, field: "columns") { _ = try fitApply("standard_scaler", [:], table, trainingRows: [0, 1]) }
    }
}
