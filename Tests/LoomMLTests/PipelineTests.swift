import LoomColumnar
import Testing

@testable import LoomML

@Suite("DataPipeline: no test-set leakage, row filters, target, features")
struct PipelineTests {
    func node(_ method: String, _ parameters: [String: JSONValue] = [:], id: String? = nil) -> PreprocessingNode {
        PreprocessingNode(id: id ?? method, method: method, parameters: parameters)
    }

    func prepare(
        _ table: Table, target: String?, _ problemType: ProblemType, _ nodes: [PreprocessingNode], split: SplitPlan
    ) throws -> PreparedData {
        try DataPipeline(target: target, problemType: problemType, nodes: nodes, split: split).prepare(table)
    }

    /// x is 1...8 on rows 0...7 and 1000, 2000 on the test rows 8 and 9.
    static func leaky() throws -> Table {
        try makeTable(.float64("x", [1, 2, 3, 4, 5, 6, 7, 8, 1000, 2000]), .float64("y", (0..<10).map(Double.init)))
    }

    @Test("the scaler's mean is the mean of the training rows, not of all rows")
    func scalerLeakage() throws {
        let prepared = try prepare(Self.leaky(), target: "y", .regression, [node("standard_scaler")], split: .testRows([8, 9]))
        let scaler = try #require(prepared.fittedSteps.first as? StandardScaler.Fitted)
        #expect(scaler.means == [4.5])  // all rows would give 304.5
        expectClose(scaler.standardDeviations, [(5.25).squareRoot()])
        let s = (5.25).squareRoot()
        expectClose(prepared.test.features.values, [995.5 / s, 1995.5 / s])
        // The training rows are centred exactly; the test rows are not.
        #expect(abs(prepared.train.features.values.reduce(0, +)) < 1e-12)
    }

    @Test("with a seeded split too, every learned statistic comes from the training rows alone")
    func randomSplitLeakage() throws {
        let x = (0..<200).map { Double($0 * $0 % 97) }
        let table = try makeTable(.float64("x", x), .float64("z", x.map { $0 * 0.5 + 1 }), .float64("y", x))
        let prepared = try prepare(
            table, target: "y", .regression,
            [node("standard_scaler", ["columns": ["x"]]), node("minmax_scaler", ["columns": ["z"]])],
            split: .random(try TrainTestSplit(testSize: 0.25, randomState: 5))
        )
        let trainX = prepared.train.rows.map { x[$0] }
        let scaler = try #require(prepared.fittedSteps[0] as? StandardScaler.Fitted)
        expectClose(scaler.means, [trainX.reduce(0, +) / Double(trainX.count)])
        let minmax = try #require(prepared.fittedSteps[1] as? MinMaxScaler.Fitted)
        #expect(minmax.dataMinimums == [(trainX.min() ?? 0) * 0.5 + 1])
        #expect(minmax.dataMaximums == [(trainX.max() ?? 0) * 0.5 + 1])
        #expect(prepared.train.count == 150 && prepared.test.count == 50)
        #expect(Set(prepared.train.rows).isDisjoint(with: prepared.test.rows))
    }

    @Test("the imputer's median and the encoder's categories come from the training rows")
    func imputerAndEncoderLeakage() throws {
        let table = try makeTable(
            .float64("x", [1, 2, 3, nil, 500, 600, nil]),
            .string("c", ["a", "b", "a", "b", "a", "zz", "zz"]),
            .float64("y", [1, 2, 3, 4, 5, 6, 7])
        )
        let prepared = try prepare(
            table, target: "y", .regression, [node("simple_imputer", ["strategy": "median"]), node("one_hot_encoder")],
            split: .testRows([4, 5, 6])
        )
        let imputer = try #require(prepared.fittedSteps[0] as? SimpleImputer.Fitted)
        #expect(imputer.statistics == [2])  // all rows would give 3
        #expect(prepared.featureNames == ["x", "c_a", "c_b"])  // no column for "zz", seen only in test rows
        #expect(prepared.test.features.values == [500, 1, 0, 600, 0, 0, 2, 0, 0])
        #expect(prepared.train.features.values == [1, 1, 0, 2, 0, 1, 3, 1, 0, 2, 0, 1])
    }

    @Test("row filters run on all rows before the split; rows map back to the original table")
    func rowFiltersFirst() throws {
        let table = try makeTable(
            .float64("x", [1, 2, 3, 4, 5, 6, 7, 1000]),
            .float64("y", [1, nil, 3, 4, nil, 6, 7, 8])
        )
        let prepared = try prepare(
            table, target: "y", .regression,
            [node("drop_missing", ["columns": ["y"]]), node("remove_outliers", ["columns": ["x"]]), node("standard_scaler")],
            split: .testRows([0, 4])
        )
        // Left after filters: original rows 0, 2, 3, 5, 6 (1 and 4 lack y; 7 is an outlier).
        #expect(prepared.rowsAfterFilters == 5)
        #expect(prepared.test.positions == [0, 4])
        #expect(prepared.test.rows == [0, 6])
        #expect(prepared.train.rows == [2, 3, 5])
        #expect(prepared.train.target == .values([3, 4, 6]))
        #expect(prepared.test.target == .values([1, 7]))
        let scaler = try #require(prepared.fittedSteps.first as? StandardScaler.Fitted)
        expectClose(scaler.means, [(3 + 4 + 6) / 3])
    }

    @Test("a learned step before a row filter is refused; a stateless one is fine")
    func stepOrder() throws {
        let table = try makeTable(.float64("x", [1, 2, 3, nil, 5, 6]), .float64("y", [1, 2, 3, 4, 5, 6]))
        let error = expectError(.stepOrder) {
            _ = try prepare(table, target: "y", .regression, [node("simple_imputer", id: "imp"), node("drop_missing", id: "dm")], split: .testRows([0]))
        }
        #expect(error?.nodeID == "imp")
        #expect(error?.message.contains("'dm'") == true)
        let prepared = try prepare(
            table, target: "y", .regression, [node("log_transform"), node("drop_missing"), node("standard_scaler")], split: .testRows([0])
        )
        #expect(prepared.train.rows == [1, 2, 4, 5])
    }

    @Test("matches a scikit-learn ColumnTransformer fitted on the same training rows")
    func scikitLearnPipeline() throws {
        let table = try makeTable(
            .string("species", ["Adelie", "Gentoo", "Adelie", "Chinstrap", "Gentoo", "Adelie", "Chinstrap", "Gentoo", "Adelie", "Gentoo"]),
            .string("island", ["Torgersen", "Biscoe", "Dream", "Dream", "Biscoe", "Torgersen", nil, "Biscoe", "Dream", "Biscoe"]),
            .float64("bill", [39.1, 46.5, nil, 49.0, 50.2, 38.6, 51.3, nil, 36.2, 47.4]),
            .int64("mass", [3750, 5000, 3300, nil, 5400, 3600, 3950, 4700, 3450, 5300]),
            .string("sex", ["male", "female", "female", nil, "male", "female", "male", "female", nil, "male"])
        )
        let nodes = [
            node("simple_imputer", ["strategy": "median", "columns": ["bill", "mass"]]),
            node("simple_imputer", ["strategy": "most_frequent", "columns": ["island", "sex"]]),
            node("one_hot_encoder", ["columns": ["island", "sex"]]),
            node("standard_scaler", ["columns": ["bill", "mass"]]),
        ]
        let prepared = try prepare(table, target: "species", .classification, nodes, split: .testRows([7, 2, 9]))
        #expect(prepared.featureNames == ["island_Biscoe", "island_Dream", "island_Torgersen", "bill", "mass", "sex_female", "sex_male"])
        #expect(prepared.labels == ["Adelie", "Chinstrap", "Gentoo"])
        #expect(prepared.train.rows == [0, 1, 3, 4, 5, 6, 8])
        #expect(prepared.test.rows == [7, 2, 9])
        #expect(prepared.train.target == .classes([0, 2, 1, 2, 0, 1, 0]))
        #expect(prepared.test.target == .classes([2, 0, 2]))
        let train: [[Double]] = [
            [0.0, 0.0, 1.0, -0.9156564189984703, -0.566438680667467, 0.0, 1.0],
            [1.0, 0.0, 0.0, 0.35937053003703495, 1.2358662123653816, 1.0, 0.0],
            [0.0, 1.0, 0.0, 0.7901228776841651, -0.4222542892248392, 0.0, 1.0],
            [1.0, 0.0, 0.0, 0.9968840045547882, 1.812603778135893, 0.0, 1.0],
            [0.0, 0.0, 1.0, -1.0018068885278963, -0.7827152678314089, 1.0, 0.0],
            [1.0, 0.0, 0.0, 1.1864150375195246, -0.2780698977822113, 0.0, 1.0],
            [0.0, 1.0, 0.0, -1.4153291422691412, -0.9989918549953508, 0.0, 1.0],
        ]
        let test: [[Double]] = [
            [1.0, 0.0, 0.0, 0.35937053003703495, 0.8033130380374979, 1.0, 0.0],
            [0.0, 1.0, 0.0, 0.35937053003703495, -1.2152684421592925, 1.0, 0.0],
            [1.0, 0.0, 0.0, 0.5144413751900015, 1.6684193866932653, 0.0, 1.0],
        ]
        #expect(prepared.train.features.rows == 7 && prepared.train.features.columns == 7)
        expectClose(prepared.train.features.values, train.flatMap { $0 })
        expectClose(prepared.test.features.values, test.flatMap { $0 })
    }

    @Test("classification labels: text by code point, numbers by value; the map is kept")
    func labels() throws {
        let text = try makeTable(.float64("x", [1, 2, 3, 4, 5, 6]), .string("t", ["dog", "cat", "Bird", "cat", "dog", "Bird"]))
        let prepared = try prepare(text, target: "t", .classification, [], split: .none)
        #expect(prepared.labels == ["Bird", "cat", "dog"])
        #expect(prepared.train.target == .classes([2, 1, 0, 1, 2, 0]))
        let numbers = try makeTable(.float64("x", [1, 2, 3, 4]), .int64("digit", [10, 2, 10, 2]))
        let numeric = try prepare(numbers, target: "digit", .classification, [], split: .none)
        #expect(numeric.labels == ["2", "10"])
        #expect(numeric.train.target?.classIndices == [1, 0, 1, 0])
    }

    @Test("classification splits are stratified by default")
    func stratifiedByDefault() throws {
        let labels = (0..<50).map { $0 < 40 ? "common" : "rare" }
        let table = try makeTable(.float64("x", (0..<50).map(Double.init)), .string("label", labels))
        let prepared = try prepare(table, target: "label", .classification, [], split: .random(try TrainTestSplit(testSize: 0.2, randomState: 11)))
        #expect(prepared.test.target?.classIndices?.filter { $0 == 1 }.count == 2)
        #expect(prepared.test.count == 10)
    }

    @Test("clustering: no target values, no split needed, the named target column is left out")
    func clustering() throws {
        let table = try makeTable(.float64("a", [1, 2, 3]), .float64("b", [4, 5, 6]), .string("species", ["x", "y", "z"]))
        let prepared = try prepare(table, target: "species", .clustering, [node("standard_scaler")], split: .none)
        #expect(prepared.featureNames == ["a", "b"])
        #expect(prepared.train.target == nil && prepared.test.count == 0)
        #expect(prepared.train.rows == [0, 1, 2])
        #expect(prepared.labels.isEmpty)
        let noTarget = try prepare(table, target: nil, .clustering, [node("drop_columns", ["columns": ["species"]])], split: .none)
        #expect(noTarget.train.features.values == [1, 4, 2, 5, 3, 6])
    }

    @Test("data errors say what to add")
    func dataErrors() throws {
        let table = try makeTable(.float64("x", [1, nil, 3, 4]), .string("c", ["a", "b", "a", "b"]), .float64("y", [1, 2, nil, 4]))
        let text = expectError(.nonNumericFeature, field: "c") {
            _ = try prepare(table, target: "y", .regression, [node("drop_missing"), node("simple_imputer")], split: .testRows([0]))
        }
        #expect(text?.message.contains("one_hot_encoder") == true)
        let missing = expectError(.missingValues, field: "x") {
            _ = try prepare(table, target: "c", .classification, [node("one_hot_encoder")], split: .none)
        }
        #expect(missing?.message.contains("simple_imputer") == true)
        let target = expectError(.missingValues, field: "targetColumn") {
            _ = try prepare(table, target: "y", .regression, [], split: .none)
        }
        #expect(target?.message.contains("drop_missing") == true)
        expectError(.invalidTarget, field: "targetColumn") { _ = try prepare(table, target: "c", .regression, [], split: .none) }
        expectError(.invalidTarget, field: "targetColumn") { _ = try prepare(table, target: nil, .regression, [], split: .none) }
        expectError(.unknownColumn, field: "targetColumn") { _ = try prepare(table, target: "nope", .regression, [], split: .none) }
        let single = try makeTable(.float64("x", [1, 2]), .string("t", ["a", "a"]))
        expectError(.invalidTarget, field: "targetColumn") { _ = try prepare(single, target: "t", .classification, [], split: .none) }
    }

    @Test("explicit test rows are checked")
    func explicitRowErrors() throws {
        let table = try Self.leaky()
        expectError(.invalidParameter, field: "test_rows") { _ = try prepare(table, target: "y", .regression, [], split: .testRows([10])) }
        expectError(.invalidParameter, field: "test_rows") { _ = try prepare(table, target: "y", .regression, [], split: .testRows([-1])) }
        expectError(.invalidParameter, field: "test_rows") { _ = try prepare(table, target: "y", .regression, [], split: .testRows([1, 1])) }
        expectError(.notEnoughRows, field: "test_rows") { _ = try prepare(table, target: "y", .regression, [], split: .testRows([])) }
        expectError(.notEnoughRows, field: "test_rows") { _ = try prepare(table, target: "y", .regression, [], split: .testRows(Array(0..<10))) }
    }

    @Test("bool and int features become numbers; the matrix is row-major")
    func matrixLayout() throws {
        let table = try makeTable(.int64("n", [1, 2, 3]), .bool("b", [true, false, true]), .float64("y", [0, 1, 2]))
        let prepared = try prepare(table, target: "y", .regression, [], split: .testRows([1]))
        #expect(prepared.train.features.values == [1, 1, 3, 1])
        #expect(prepared.train.features[1, 0] == 3)
        #expect(prepared.test.features.row(0) == [2, 0])
        #expect(prepared.train.target?.doubles == [0, 2])
    }
}
