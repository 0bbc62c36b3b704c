import Foundation
import LoomColumnar
import Testing

@testable import LoomML

// Shared helpers for the LoomML tests, and tests of node parsing.

func makeTable(_ columns: Column...) throws -> Table { try Table(columns: columns) }

func makeStep(_ method: String, _ parameters: [String: JSONValue] = [:], id: String = "n1") throws -> any PreprocessingStep {
    try PreprocessingMethods.makeStep(PreprocessingNode(id: id, method: method, parameters: parameters))
}

/// Fits a transform on `trainingRows` (default: all rows) and applies it to the whole table.
func fitApply(
    _ method: String, _ parameters: [String: JSONValue] = [:], _ table: Table, trainingRows: [Int]? = nil, target: String? = nil
) throws -> (table: Table, fitted: any FittedStep) {
    guard let transform = try makeStep(method, parameters) as? any TransformStep else {
        throw PreprocessingError(code: .internalError, message: "\(method) is not a transform")
    }
    let fitted = try transform.fit(on: table, trainingRows: trainingRows ?? Array(0..<table.rowCount), target: target)
    return (try fitted.apply(to: table), fitted)
}

func keptRows(_ method: String, _ parameters: [String: JSONValue] = [:], _ table: Table, target: String? = nil) throws -> [Int] {
    guard let filter = try makeStep(method, parameters) as? any RowFilterStep else {
        throw PreprocessingError(code: .internalError, message: "\(method) is not a row filter")
    }
    return try filter.keptRows(in: table, target: target)
}

/// A column's values as optional doubles (nil for missing), for comparisons.
func values(_ table: Table, _ name: String) -> [Double?] {
    guard let column = table[name] else { return [] }
    return (0..<column.count).map { row in
        if column.isNull(row) { return nil }
        switch column.values {
        case .float64(let values): return values[row]
        case .int64(let values): return Double(values[row])
        case .bool(let values): return values[row] ? 1 : 0
        case .string: return nil
        }
    }
}

func expectClose(_ actual: [Double?], _ expected: [Double?], tolerance: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(actual) vs \(expected)", sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) {
        switch (a, e) {
        case (nil, nil): continue
        case (let a?, let e?):
            #expect(abs(a - e) <= tolerance * max(1, abs(e)), "\(actual) vs \(expected)", sourceLocation: sourceLocation)
        default:
            Issue.record("missing mismatch: \(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }
}

/// Runs `body`, expecting a PreprocessingError with `code` (and `field`, when given); returns it.
@discardableResult
func expectError(
    _ code: PreprocessingError.Code, field: String? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> PreprocessingError? {
    do {
        try body()
        Issue.record("expected error \(code), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PreprocessingError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected PreprocessingError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite("Preprocessing nodes: parsing and parameter errors")
struct PreprocessingSupportTests {
    @Test("every documented method parses with its defaults, except those that need columns")
    func methodsParse() throws {
        #expect(PreprocessingMethods.names == [
            "drop_columns", "drop_missing", "label_encoder", "log_transform", "minmax_scaler", "one_hot_encoder",
            "ordinal_encoder", "polynomial_features", "remove_outliers", "robust_scaler", "select_columns",
            "simple_imputer", "standard_scaler",
        ])
        for name in PreprocessingMethods.names where name != "drop_columns" && name != "select_columns" {
            let step = try makeStep(name)
            #expect(step.identity == StepIdentity(nodeID: "n1", method: name))
        }
        expectError(.missingParameter, field: "columns") { _ = try makeStep("drop_columns") }
        expectError(.missingParameter, field: "columns") { _ = try makeStep("select_columns") }
    }

    @Test("an unknown method names the node and lists the methods")
    func unknownMethod() {
        let error = expectError(.unknownMethod, field: "method") { _ = try makeStep("standard_scalar", id: "prep-3") }
        #expect(error?.nodeID == "prep-3")
        #expect(error?.message.contains("standard_scaler") == true)
        #expect(error?.description.hasPrefix("node 'prep-3' (standard_scalar), field 'method': ") == true)
    }

    @Test("unknown and badly typed parameters name their field")
    func parameterErrors() {
        let typo = expectError(.unknownParameter, field: "colums") { _ = try makeStep("standard_scaler", ["colums": ["a"]]) }
        #expect(typo?.message.contains("columns") == true)
        expectError(.invalidParameter, field: "with_mean") { _ = try makeStep("standard_scaler", ["with_mean": "yes"]) }
        expectError(.invalidParameter, field: "columns") { _ = try makeStep("standard_scaler", ["columns": []]) }
        expectError(.invalidParameter, field: "columns") { _ = try makeStep("standard_scaler", ["columns": ["a", "a"]]) }
        expectError(.invalidParameter, field: "columns") { _ = try makeStep("standard_scaler", ["columns": [1]]) }
        expectError(.invalidParameter, field: "feature_range") { _ = try makeStep("minmax_scaler", ["feature_range": [1, 0]]) }
        expectError(.invalidParameter, field: "feature_range") { _ = try makeStep("minmax_scaler", ["feature_range": [0]]) }
        expectError(.invalidParameter, field: "quantile_range") { _ = try makeStep("robust_scaler", ["quantile_range": [-5, 75]]) }
        expectError(.invalidParameter, field: "strategy") { _ = try makeStep("simple_imputer", ["strategy": "mode"]) }
        expectError(.invalidParameter, field: "fill_value") { _ = try makeStep("simple_imputer", ["strategy": "mean", "fill_value": 3]) }
        expectError(.invalidParameter, field: "max_categories") { _ = try makeStep("one_hot_encoder", ["max_categories": 1]) }
        expectError(.invalidParameter, field: "max_categories") { _ = try makeStep("one_hot_encoder", ["max_categories": 2.5]) }
        expectError(.invalidParameter, field: "handle_unknown") { _ = try makeStep("one_hot_encoder", ["handle_unknown": "skip"]) }
        expectError(.invalidParameter, field: "method") { _ = try makeStep("remove_outliers", ["method": "mad"]) }
        expectError(.invalidParameter, field: "threshold") { _ = try makeStep("remove_outliers", ["threshold": 0]) }
        expectError(.invalidParameter, field: "threshold") { _ = try makeStep("remove_outliers", ["threshold": -1]) }
        expectError(.invalidParameter, field: "degree") { _ = try makeStep("polynomial_features", ["degree": 4]) }
        expectError(.invalidParameter, field: "offset") { _ = try makeStep("log_transform", ["offset": -1]) }
    }

    @Test("camelCase spellings are accepted, and conflicting spellings refused")
    func camelCase() throws {
        let scaler = try #require(try makeStep("minmax_scaler", ["featureRange": [-2, 2]]) as? MinMaxScaler)
        #expect(scaler.featureRange.low == -2 && scaler.featureRange.high == 2)
        expectError(.invalidParameter, field: "feature_range") {
            _ = try makeStep("minmax_scaler", ["featureRange": [-2, 2], "feature_range": [0, 1]])
        }
    }

    @Test("JSONValue round-trips through JSON")
    func jsonRoundTrip() throws {
        let value: JSONValue = ["columns": ["a", "b"], "degree": 2, "clip": true, "fill": nil, "range": [0.5, 1.5]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        let node = try JSONDecoder().decode(PreprocessingNode.self, from: Data(#"{"id": "p1", "method": "minmax_scaler", "parameters": {"feature_range": [-1, 1]}}"#.utf8))
        #expect(node.parameters["feature_range"] == [-1, 1])
    }

    @Test("selection-based percentiles equal NumPy's linear percentiles of the sorted values")
    func percentilesBySelection() {
        var generator = SplitMix64(seed: 3)
        for count in [1, 2, 3, 10, 101, 1_000] {
            for distinct in [1, 3, 1_000_000] {
                let values = (0..<count).map { _ in Double(generator.next(below: UInt64(distinct))) }
                let sorted = values.sorted()
                let qs = [0.0, 10, 25, 50, 75, 90, 100, 33.3]
                #expect(percentiles(values, qs) == qs.map { percentile(sorted: sorted, $0) })
            }
        }
        // NumPy: np.percentile([1, 2, 3, 4], [25, 50, 75]) == [1.75, 2.5, 3.25]
        #expect(percentiles([4, 1, 3, 2], [25, 50, 75]) == [1.75, 2.5, 3.25])
    }
}
