import LoomColumnar

/// How rows are divided into training and test rows.
public enum SplitPlan: Sendable {
    /// A seeded split (the workflow's split node).
    case random(TrainTestSplit)
    /// These positions (among the rows left after the row filters, 0-based, in the
    /// order given) are the test rows; every other row trains. Reproduces an external
    /// split exactly, such as scikit-learn's `split.test_rows` in the reference results.
    case testRows([Int])
    /// Every row trains and the test set is empty (clustering, or a final model).
    case none
}

/// Turns a table into `PreparedData`: preprocessing steps in workflow order, the split,
/// the target separated, the features as a dense matrix.
///
/// The no-leakage rule: row filters (`drop_missing`, `remove_outliers`) run on all rows
/// before the split. Steps that learn statistics (scalers, imputers, encoders) are fitted
/// on the training rows only, and then applied to training and test rows alike, even
/// though they stand before the split node in the workflow (scikit-learn's Pipeline
/// semantics). Steps that depend on each row alone run on all rows. A step that learns
/// cannot stand before a row filter, since the training rows are not known until the
/// filters have run; such a workflow is refused with code `step_order`.
public struct DataPipeline: Sendable {
    public let target: String?
    public let problemType: ProblemType
    public let steps: [any PreprocessingStep]
    public let split: SplitPlan

    public init(target: String?, problemType: ProblemType, steps: [any PreprocessingStep], split: SplitPlan) {
        self.target = target
        self.problemType = problemType
        self.steps = steps
        self.split = split
    }

    /// Parses the preprocessing nodes (in workflow order) as well.
    public init(target: String?, problemType: ProblemType, nodes: [PreprocessingNode], split: SplitPlan) throws(PreprocessingError) {
        self.init(target: target, problemType: problemType, steps: try PreprocessingMethods.makeSteps(nodes), split: split)
    }

    /// `DataPipeline(...).prepare(table)` in one call.
    public static func prepare(
        table: Table, target: String?, problemType: ProblemType, steps: [any PreprocessingStep], split: SplitPlan
    ) throws(PreprocessingError) -> PreparedData {
        try DataPipeline(target: target, problemType: problemType, steps: steps, split: split).prepare(table)
    }

    /// `observe(index, finished)` is told when step `index` (in `steps`) starts and when it
    /// finishes without error, so a caller can report each preprocessing node as it runs. Steps run in
    /// workflow order in both phases, so the calls come in that order too.
    public func prepare(
        _ input: Table, observe: (_ step: Int, _ finished: Bool) -> Void = { _, _ in }
    ) throws(PreprocessingError) -> PreparedData {
        try checkTarget(in: input)
        var table = input
        var originalRows = Array(0..<input.rowCount)

        // Phase 1, all rows: everything up to the last row filter.
        let lastFilter = steps.lastIndex { $0 is any RowFilterStep } ?? -1
        var fittedSteps: [any FittedStep] = []
        for (index, step) in steps.prefix(lastFilter + 1).enumerated() {
            observe(index, false)
            if let filter = step as? any RowFilterStep {
                let kept = try filter.keptRows(in: table, target: target)
                if kept.count != table.rowCount {
                    table = try gatherRows(table, kept)
                    originalRows = kept.map { originalRows[$0] }
                }
            } else if let transform = step as? any TransformStep {
                if transform.learnsFromRows {
                    let filter = steps[lastFilter].identity
                    throw transform.identity.error(
                        .stepOrder,
                        "\(transform.identity.method) learns from the training rows, which are known only after the row filters; move \(filter.method) (node '\(filter.nodeID)') before it"
                    )
                }
                let fitted = try transform.fit(on: table, trainingRows: Array(0..<table.rowCount), target: target)
                table = try fitted.apply(to: table)
                fittedSteps.append(fitted)
            }
            observe(index, true)
        }

        // The target, then the split.
        let (targetValues, labels) = try extractTarget(from: table)
        let rows = try splitRows(count: table.rowCount, classes: targetValues?.classIndices, labels: labels)

        // Phase 2: fit on the training rows, apply to all.
        for (index, step) in steps.enumerated().dropFirst(lastFilter + 1) {
            observe(index, false)
            guard let transform = step as? any TransformStep else {
                throw step.identity.error(.internalError, "a row filter after the last row filter")
            }
            let fitted = try transform.fit(on: table, trainingRows: rows.train, target: target)
            table = try fitted.apply(to: table)
            fittedSteps.append(fitted)
            observe(index, true)
        }

        let (names, columns) = try featureColumns(of: table)
        func subset(_ positions: [Int]) -> DataSubset {
            let target: TargetValues? =
                switch targetValues {
                case .classes(let classes)?: .classes(positions.map { classes[$0] })
                case .values(let values)?: .values(positions.map { values[$0] })
                case nil: nil
                }
            return DataSubset(features: gatherMatrix(columns, positions), target: target, rows: positions.map { originalRows[$0] }, positions: positions)
        }
        return PreparedData(
            problemType: problemType, targetColumn: target, featureNames: names,
            train: subset(rows.train), test: subset(rows.test), labels: labels,
            rowsAfterFilters: table.rowCount, fittedSteps: fittedSteps
        )
    }

    // MARK: - Parts

    private func dataError(_ code: PreprocessingError.Code, field: String? = nil, _ message: String) -> PreprocessingError {
        PreprocessingError(code: code, field: field, message: message)
    }

    private func checkTarget(in table: Table) throws(PreprocessingError) {
        guard let target else {
            if problemType != .clustering {
                throw dataError(.invalidTarget, field: "targetColumn", "a \(problemType.rawValue) workflow needs a target column")
            }
            return
        }
        guard table[target] != nil else {
            throw dataError(.unknownColumn, field: "targetColumn", "the target column '\(target)' is not in the dataset")
        }
    }

    /// The target per row (nil for clustering) and, for classification, the labels.
    private func extractTarget(from table: Table) throws(PreprocessingError) -> (TargetValues?, [String]) {
        guard problemType != .clustering, let target else { return (nil, []) }
        guard let column = table[target] else {
            throw dataError(.unknownColumn, field: "targetColumn", "the target column '\(target)' was removed by a preprocessing step")
        }
        let missing = column.missingCount
        if missing > 0 {
            throw dataError(.missingValues, field: "targetColumn", "the target column '\(target)' has \(missing) rows without a value; add a drop_missing step with columns [\"\(target)\"] before the split")
        }
        switch problemType {
        case .classification:
            let counts = try categoryCounts(column, rows: Array(0..<table.rowCount), by: nil, purpose: "")
            guard counts.count >= 2 else {
                throw dataError(.invalidTarget, field: "targetColumn", "the target column '\(target)' has \(counts.count) class\(counts.count == 1 ? "" : "es"); classification needs at least 2")
            }
            var index: [String: Int] = [:]
            for (position, category) in counts.enumerated() { index[category.text] = position }
            let classes = (0..<table.rowCount).map { index[column.text(at: $0)] ?? 0 }
            return (.classes(classes), counts.map(\.text))
        case .regression:
            guard column.type == .float64 || column.type == .int64, let values = column.numericValues else {
                throw dataError(.invalidTarget, field: "targetColumn", "the target column '\(target)' is \(column.type); regression needs numbers (is this a classification problem?)")
            }
            if let row = values.firstIndex(where: { !$0.isFinite }) {
                throw dataError(.invalidValue, field: "targetColumn", "the target column '\(target)' has the value \(values[row]) (row \(originalRowNote(row))); the target must be finite")
            }
            return (.values(values), [])
        case .clustering:
            return (nil, [])
        }
    }

    private func originalRowNote(_ row: Int) -> String { "\(row) after the row filters" }

    private func splitRows(count: Int, classes: [Int]?, labels: [String]) throws(PreprocessingError) -> SplitRows {
        switch split {
        case .none:
            return SplitRows(train: Array(0..<count), test: [])
        case .random(let split):
            return try split.split(rowCount: count, problemType: problemType, classes: classes, labels: labels)
        case .testRows(let test):
            var isTest = [Bool](repeating: false, count: count)
            for row in test {
                guard row >= 0, row < count else {
                    throw dataError(.invalidParameter, field: "test_rows", "test row \(row) is out of range: \(count) rows remain after the row filters")
                }
                guard !isTest[row] else {
                    throw dataError(.invalidParameter, field: "test_rows", "test row \(row) is listed twice")
                }
                isTest[row] = true
            }
            let train = (0..<count).filter { !isTest[$0] }
            guard !test.isEmpty, !train.isEmpty else {
                throw dataError(.notEnoughRows, field: "test_rows", "the test rows must leave at least one row on each side (\(test.count) test rows of \(count))")
            }
            return SplitRows(train: train, test: test)
        }
    }

    /// The feature columns (all but the target) as doubles, refusing text and missing values.
    private func featureColumns(of table: Table) throws(PreprocessingError) -> ([String], [[Double]]) {
        var names: [String] = []
        var columns: [[Double]] = []
        for column in table.columns where column.name != target {
            guard let values = column.numericValues else {
                throw dataError(.nonNumericFeature, field: column.name, "column '\(column.name)' holds text, which a model cannot use; add a one_hot_encoder or ordinal_encoder step for it, or drop_columns")
            }
            let missing = column.missingCount
            if missing > 0 {
                throw dataError(.missingValues, field: column.name, "column '\(column.name)' has \(missing) missing values where the model needs numbers; add a simple_imputer or drop_missing step for it")
            }
            if let row = values.firstIndex(where: { !$0.isFinite }) {
                throw dataError(.invalidValue, field: column.name, "column '\(column.name)' has the value \(values[row]) (row \(originalRowNote(row))); features must be finite")
            }
            names.append(column.name)
            columns.append(values)
        }
        guard !columns.isEmpty else {
            throw dataError(.notEnoughRows, "no feature columns are left for the model")
        }
        return (names, columns)
    }

    private func gatherMatrix(_ columns: [[Double]], _ positions: [Int]) -> Matrix {
        let width = columns.count
        var values = [Double](repeating: 0, count: positions.count * width)
        values.withUnsafeMutableBufferPointer { output in
            for (j, column) in columns.enumerated() {
                column.withUnsafeBufferPointer { input in
                    for (i, row) in positions.enumerated() { output[i * width + j] = input[row] }
                }
            }
        }
        return Matrix(uncheckedRows: positions.count, columns: width, values: values)
    }
}
