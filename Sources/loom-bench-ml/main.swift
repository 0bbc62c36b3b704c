// scripts/bench ml: fit and predict times, and the test metric, of every algorithm on the
// synthetic 100,000-row sets of ../shared/bench-data (80,000 training rows, the 20,000
// listed test rows), next to scikit-learn's on the same data and configuration, measured
// right after ours in the same run (scripts/sklearn_reference.py), or the issue's quoted
// times (quiet machine) when scikit-learn is not installed or `--quoted` is given.
import Foundation
import LoomColumnar
import LoomML

let dataFolder = ProcessInfo.processInfo.environment["LOOM_BENCH_DATA"] ?? "../shared/bench-data"
let options = Options(Array(CommandLine.arguments.dropFirst()))
let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/sklearn_reference.py").standardized.path
let scikit = options.quoted ? nil : ScikitReference(script: scriptPath, dataFolder: dataFolder)

/// gunzips `name` from the bench-data folder into a temporary file and returns its path.
func gunzip(_ name: String) throws -> String {
    let source = "\(dataFolder)/\(name)"
    guard FileManager.default.fileExists(atPath: source) else {
        print("loom-bench-ml: \(source) is missing (set LOOM_BENCH_DATA to the bench-data folder)")
        exit(2)
    }
    let target = NSTemporaryDirectory() + "loom-bench-ml-" + name.replacingOccurrences(of: ".gz", with: "")
    if FileManager.default.fileExists(atPath: target) { return target }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "gzip -dc '\(source)' > '\(target).part' && mv '\(target).part' '\(target)'"]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        print("loom-bench-ml: could not decompress \(source)")
        exit(1)
    }
    return target
}

func load(_ set: String, _ problemType: ProblemType) throws -> PreparedData {
    let (table, _) = try CSVIngestor().loadTable(path: try gunzip("\(set).csv.gz"))
    let testRows = try String(contentsOfFile: try gunzip("\(set).test_rows.txt.gz"), encoding: .utf8)
        .split(whereSeparator: \.isNewline).compactMap { Int($0) }
    if problemType == .clustering {
        // k-means learns from the training rows, without the true blob.
        let features = try Table(columns: table.columns.filter { $0.name != "target" })
        return try DataPipeline(target: nil, problemType: .clustering, steps: [], split: .testRows(testRows)).prepare(features)
    }
    return try DataPipeline(target: "target", problemType: problemType, steps: [], split: .testRows(testRows)).prepare(table)
}

func view(_ matrix: Matrix) throws -> FeatureMatrixView {
    try FeatureMatrixView(values: matrix.values, rows: matrix.rows, columns: matrix.columns)
}

/// One configuration of the table: the algorithm, its hyperparameters, and scikit-learn's
/// fit time quoted by the issue (quiet machine), if any.
struct BenchCase {
    var algorithm: String
    var name: String
    var hyperparameters: [String: Int] = [:]
    var quoted: Double?

    var json: [String: JSONValue] { hyperparameters.mapValues { .number(Double($0)) } }
}

/// Fast fits (under a tenth of a second: linear models, naive Bayes, the linear SVM) are
/// timed as the median of 5 runs, as they vary ±50% here; slow ones once, unless `--runs`
/// says otherwise.
func runs(_ algorithm: String) -> Int {
    if let runs = options.runs { return runs }
    return ["random_forest", "decision_tree", "gradient_boosting", "knn"].contains(algorithm) ? 1 : 5
}

func column(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

func format(_ value: Double?, _ pattern: String = "%.3f") -> String {
    value.map { String(format: pattern, $0) } ?? "—"
}

/// scikit-learn's time for this configuration: measured now, else the issue's quoted one.
@MainActor func reference(_ set: String, _ benchCase: BenchCase, runs: Int) -> ScikitTiming? {
    if let scikit, let measured = scikit.measure(set: set, algorithm: benchCase.algorithm, hyperparameters: benchCase.hyperparameters, runs: runs) {
        return measured
    }
    return benchCase.quoted.map { ScikitTiming(fit: $0, quoted: true) }
}

/// One line of the table. For k-NN the timed step is predict (its fit only stores the rows).
func report(_ name: String, loom: (wall: Double, cpu: Double), predict: Double, metric: Double, metricFormat: String, scikit: ScikitTiming?) {
    let ratio = scikit.map { String(format: "%.2fx", $0.fit / loom.wall) } ?? "—"
    let scikitWall = scikit.map { format($0.fit) + ($0.quoted ? " (quoted)" : "") } ?? "—"
    print(
        name.padding(toLength: 36, withPad: " ", startingAt: 0)
            + column(format(loom.wall), 8) + column(format(loom.cpu), 8)
            + column(scikitWall, 17) + column(format(scikit?.fitCPU), 8) + column(ratio, 8)
            + column(format(metric, metricFormat), 12) + column(format(scikit?.metric, metricFormat), 12)
            + column(format(predict), 10)
    )
    // Line by line, so a long run shows its progress when its output goes to a file.
    fflush(nil)
}

/// With `--runs`, the best fit and predict times under the medians that `report` printed.
func reportBest(fit: Double, predict: Double) {
    guard let runs = options.runs else { return }
    print("  best of \(runs): fit " + format(fit) + " s, predict " + format(predict) + " s")
}

print("Loom ML benchmark: median seconds over the runs; wall and CPU (all threads) for Loom and scikit-learn \(scikit.map { $0.version + ", measured just after Loom" } ?? "(the issue's quoted times, quiet machine)")")
print("ratio = scikit-learn wall / Loom wall (above 1: Loom is faster); metric = accuracy, r2 or inertia on the test rows")
print("model".padding(toLength: 36, withPad: " ", startingAt: 0) + column("Loom s", 8) + column("cpu s", 8)
    + column("sklearn s", 17) + column("cpu s", 8) + column("ratio", 8)
    + column("Loom", 12) + column("sklearn", 12) + column("predict s", 10))

let classificationCases = [
    BenchCase(algorithm: "logistic_regression", name: "logistic regression", quoted: 0.16),
    BenchCase(algorithm: "naive_bayes", name: "gaussian naive bayes", quoted: 0.029),
    BenchCase(algorithm: "decision_tree", name: "decision tree", hyperparameters: ["random_state": 0], quoted: 2.91),
    BenchCase(algorithm: "decision_tree", name: "decision tree, depth 10", hyperparameters: ["max_depth": 10, "random_state": 0], quoted: 1.72),
    BenchCase(algorithm: "random_forest", name: "random forest, 100 trees", hyperparameters: ["random_state": 0], quoted: 16.5),
    BenchCase(algorithm: "gradient_boosting", name: "hist gradient boosting", hyperparameters: ["random_state": 0], quoted: 0.83),
    BenchCase(algorithm: "knn", name: "k-NN, k 5 (predict 20k rows)", quoted: 2.5),
    BenchCase(algorithm: "linear_svm", name: "linear svm"),
].filter { options.includes($0.algorithm) }
if !classificationCases.isEmpty {
    let classification = try load("classification_100k", .classification)
    let classes = classification.labels.count
    let x = try view(classification.train.features)
    let y = classification.train.target?.classIndices ?? []
    let test = try view(classification.test.features)
    for benchCase in classificationCases {
        guard case .classifier(var model) = try ModelCatalog.make(
            nodeID: benchCase.name, algorithm: benchCase.algorithm, problemType: .classification, hyperparameters: benchCase.json
        ) else { continue }
        let count = runs(benchCase.algorithm)
        let fit = try Timing(runs: count) { () throws -> Void in try model.fit(x, y, classCount: classes, control: .none) }
        let predict = try Timing(runs: benchCase.algorithm == "knn" ? count : options.runs ?? 1) { try model.predict(test) }
        let data = try ClassificationData(yTrue: classification.test.target?.classIndices ?? [], yPred: predict.result, labels: classification.labels)
        let isKNN = benchCase.algorithm == "knn"
        // k-NN's fit only stores the rows: compare predict with predict.
        let scikit = reference("classification_100k", benchCase, runs: count).map { isKNN ? $0.predictAsFit : $0 }
        let timed = isKNN ? (predict.seconds, predict.cpu) : (fit.seconds, fit.cpu)
        report(benchCase.name, loom: timed, predict: predict.seconds, metric: ClassificationMetrics.accuracy(data), metricFormat: "%.4f", scikit: scikit)
        reportBest(fit: fit.best, predict: predict.best)
        if options.fingerprint { print("  fingerprint of the test probabilities: " + fingerprint(try model.predictProbabilities(test))) }
    }
}

let regressionCases = [
    BenchCase(algorithm: "linear_regression", name: "linear regression", quoted: 0.023),
    BenchCase(algorithm: "ridge", name: "ridge", quoted: 0.013),
    BenchCase(algorithm: "lasso", name: "lasso"),
    BenchCase(algorithm: "decision_tree", name: "decision tree (regression)", hyperparameters: ["random_state": 0], quoted: 1.76),
    BenchCase(algorithm: "random_forest", name: "random forest (regression), 100", hyperparameters: ["random_state": 0], quoted: 67.8),
    BenchCase(algorithm: "gradient_boosting", name: "hist gradient boosting (regr.)", hyperparameters: ["random_state": 0], quoted: 0.66),
    BenchCase(algorithm: "knn", name: "k-NN regression (predict 20k rows)"),
].filter { options.includes($0.algorithm) }
if !regressionCases.isEmpty {
    let regression = try load("regression_100k", .regression)
    let x = try view(regression.train.features)
    let y = regression.train.target?.doubles ?? []
    let test = try view(regression.test.features)
    for benchCase in regressionCases {
        guard case .regressor(var model) = try ModelCatalog.make(
            nodeID: benchCase.name, algorithm: benchCase.algorithm, problemType: .regression, hyperparameters: benchCase.json
        ) else { continue }
        let count = runs(benchCase.algorithm)
        let fit = try Timing(runs: count) { () throws -> Void in try model.fit(x, y, control: .none) }
        let predict = try Timing(runs: benchCase.algorithm == "knn" ? count : options.runs ?? 1) { try model.predict(test) }
        let r2 = try RegressionMetrics.r2(RegressionData(yTrue: regression.test.target?.doubles ?? [], yPred: predict.result))
        let isKNN = benchCase.algorithm == "knn"
        let scikit = reference("regression_100k", benchCase, runs: count).map { isKNN ? $0.predictAsFit : $0 }
        let timed = isKNN ? (predict.seconds, predict.cpu) : (fit.seconds, fit.cpu)
        report(benchCase.name, loom: timed, predict: predict.seconds, metric: r2, metricFormat: "%.4f", scikit: scikit)
        reportBest(fit: fit.best, predict: predict.best)
        if options.fingerprint { print("  fingerprint of the test predictions: " + fingerprint(predict.result)) }
    }
}

if options.includes("kmeans") {
    let blobs = try load("blobs_100k", .clustering)
    let benchCase = BenchCase(algorithm: "kmeans", name: "k-means, k 5, n_init 10", hyperparameters: ["k": 5, "n_init": 10, "random_state": 0], quoted: 0.16)
    guard case .clusterer(let kmeans) = try ModelCatalog.make(
        nodeID: "kmeans", algorithm: "kmeans", problemType: .clustering, hyperparameters: benchCase.json
    ) else { exit(1) }
    let x = try view(blobs.train.features)
    let count = options.runs ?? 5
    let fitted = try Timing(runs: count) { try kmeans.fit(x, control: .none) }
    report(benchCase.name, loom: (fitted.seconds, fitted.cpu), predict: 0, metric: fitted.result.inertia ?? .nan, metricFormat: "%.6g",
           scikit: reference("blobs_100k", benchCase, runs: count))
    reportBest(fit: fitted.best, predict: 0)
}
if options.only.isEmpty { print("dbscan: not run here (a brute-force O(n²) neighbour search over 80,000 rows)") }
