// scripts/bench ml: fit and predict times, and the test metric, of every algorithm on the
// synthetic 100,000-row sets that scikit-learn's timings were measured on
// (../shared/bench-data: 80,000 training rows, the 20,000 listed test rows), next to
// scikit-learn 1.9.1's fit times on this machine (quiet; from the models issue).
import Foundation
import LoomColumnar
import LoomML

let dataFolder = ProcessInfo.processInfo.environment["LOOM_BENCH_DATA"] ?? "../shared/bench-data"

/// Command-line options: `--only ALGORITHM` (repeatable) runs just those algorithms, so one
/// model can be measured without the slow forests; `--runs N` times every fit and predict
/// N times and reports the median and the best.
struct Options {
    var only: Set<String> = []
    var runs: Int?

    init(_ arguments: [String]) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--only":
                guard let name = rest.popFirst() else { Self.usage("--only needs an algorithm name") }
                only.insert(name)
            case "--runs":
                guard let text = rest.popFirst(), let count = Int(text), count >= 1 else { Self.usage("--runs needs a count of at least 1") }
                runs = count
            case "--help", "-h":
                Self.usage(nil)
            default:
                Self.usage("unknown option \(argument)")
            }
        }
    }

    func includes(_ algorithm: String) -> Bool { only.isEmpty || only.contains(algorithm) }

    static func usage(_ problem: String?) -> Never {
        if let problem { print("loom-bench-ml: \(problem)") }
        print("""
            usage: loom-bench-ml [--only ALGORITHM]... [--runs N]
              --only ALGORITHM  run only this algorithm (repeatable), e.g. gradient_boosting, knn, kmeans
              --runs N          time each fit and predict N times; print the median and the best
            """)
        exit(problem == nil ? 0 : 2)
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))

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

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The median and the best of `runs` timings of `body`, with its last result.
func timed<T>(runs: Int, _ body: () throws -> T) rethrows -> (seconds: Double, best: Double, result: T) {
    var times: [Double] = []
    var result: T?
    for _ in 0..<runs {
        let start = ContinuousClock.now
        result = try body()
        times.append(seconds(ContinuousClock.now - start))
    }
    times.sort()
    return (times[times.count / 2], times[0], result!)
}

func column(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

func report(_ name: String, fit: Double, predict: Double, metric: String, scikit: Double?) {
    let ratio = scikit.map { String(format: "%.1fx", $0 / fit) } ?? "—"
    let reference = scikit.map { String(format: "%.3f", $0) } ?? "—"
    print(
        name.padding(toLength: 36, withPad: " ", startingAt: 0) + column(String(format: "%.3f", fit), 9)
            + column(String(format: "%.3f", predict), 10) + column(metric, 18) + column(reference, 12) + column(ratio, 9)
    )
}

/// With `--runs`, the best fit and predict times under the medians that `report` printed.
func reportBest(fit: Double, predict: Double) {
    guard options.runs != nil else { return }
    print("  best of \(options.runs!): fit " + String(format: "%.3f", fit) + " s, predict " + String(format: "%.3f", predict) + " s")
}

func view(_ matrix: Matrix) throws -> FeatureMatrixView {
    try FeatureMatrixView(values: matrix.values, rows: matrix.rows, columns: matrix.columns)
}

/// Fast fits are timed as the median of 5 runs (they vary ±50% here); slow ones once,
/// unless `--runs` says otherwise.
func runs(_ algorithm: String) -> Int {
    if let runs = options.runs { return runs }
    return ["random_forest", "decision_tree", "gradient_boosting", "knn", "linear_svm"].contains(algorithm) ? 1 : 5
}

print("Loom ML benchmark: fit and predict seconds in this process, scikit-learn 1.9.1 fit seconds on this machine")
print("model".padding(toLength: 36, withPad: " ", startingAt: 0) + column("fit s", 9) + column("predict s", 10)
    + column("test metric", 18) + column("sklearn s", 12) + column("speed-up", 9))

let cases: [(String, String, [String: JSONValue], Double?)] = [
    ("logistic_regression", "logistic regression", [:], 0.16),
    ("naive_bayes", "gaussian naive bayes", [:], 0.029),
    ("decision_tree", "decision tree", ["random_state": 0], 2.91),
    ("decision_tree", "decision tree, depth 10", ["max_depth": 10, "random_state": 0], 1.72),
    ("random_forest", "random forest, 100 trees", ["random_state": 0], 16.5),
    ("gradient_boosting", "hist gradient boosting", ["random_state": 0], 0.83),
    ("knn", "k-nearest neighbours (predict 20k)", [:], nil),
    ("linear_svm", "linear svm", [:], nil),
]
let classificationCases = cases.filter { options.includes($0.0) }
if !classificationCases.isEmpty {
    let classification = try load("classification_100k", .classification)
    let classes = classification.labels.count
    for (algorithm, name, hyperparameters, scikit) in classificationCases {
        guard case .classifier(var model) = try ModelCatalog.make(
            nodeID: name, algorithm: algorithm, problemType: .classification, hyperparameters: hyperparameters
        ) else { continue }
        let x = try view(classification.train.features)
        let y = classification.train.target?.classIndices ?? []
        let fit = try timed(runs: runs(algorithm)) { () throws -> Void in try model.fit(x, y, classCount: classes, control: .none) }
        let test = try view(classification.test.features)
        let predict = try timed(runs: options.runs ?? 1) { try model.predict(test) }
        let data = try ClassificationData(yTrue: classification.test.target?.classIndices ?? [], yPred: predict.result, labels: classification.labels)
        let accuracy = String(format: "accuracy %.4f", ClassificationMetrics.accuracy(data))
        // scikit-learn's k-NN figure is its predict time (2.5 s); compare predict with predict.
        if algorithm == "knn" {
            report(name, fit: fit.seconds, predict: predict.seconds, metric: accuracy, scikit: nil)
            print("  (scikit-learn predicts the 20,000 test rows in 2.5 s: speed-up \(String(format: "%.1fx", 2.5 / predict.seconds)))")
        } else {
            report(name, fit: fit.seconds, predict: predict.seconds, metric: accuracy, scikit: scikit)
        }
        reportBest(fit: fit.best, predict: predict.best)
}
}

let regressionCases: [(String, String, [String: JSONValue], Double?)] = [
    ("linear_regression", "linear regression", [:], 0.023),
    ("ridge", "ridge", [:], 0.013),
    ("lasso", "lasso", [:], nil),
    ("decision_tree", "decision tree (regression)", ["random_state": 0], 1.76),
    ("random_forest", "random forest (regression), 100", ["random_state": 0], 67.8),
    ("gradient_boosting", "hist gradient boosting (regr.)", ["random_state": 0], 0.66),
    ("knn", "k-nearest neighbours (regression)", [:], nil),
]
let includedRegressionCases = regressionCases.filter { options.includes($0.0) }
if !includedRegressionCases.isEmpty {
    let regression = try load("regression_100k", .regression)
    for (algorithm, name, hyperparameters, scikit) in includedRegressionCases {
        guard case .regressor(var model) = try ModelCatalog.make(
            nodeID: name, algorithm: algorithm, problemType: .regression, hyperparameters: hyperparameters
        ) else { continue }
        let x = try view(regression.train.features)
        let y = regression.train.target?.doubles ?? []
        let fit = try timed(runs: runs(algorithm)) { () throws -> Void in try model.fit(x, y, control: .none) }
        let predict = try timed(runs: options.runs ?? 1) { try model.predict(try view(regression.test.features)) }
        let r2 = try RegressionMetrics.r2(RegressionData(yTrue: regression.test.target?.doubles ?? [], yPred: predict.result))
        report(name, fit: fit.seconds, predict: predict.seconds, metric: String(format: "r2 %.4f", r2), scikit: scikit)
        reportBest(fit: fit.best, predict: predict.best)
}
}

if options.includes("kmeans") {
    let blobs = try load("blobs_100k", .clustering)
    guard case .clusterer(let kmeans) = try ModelCatalog.make(
        nodeID: "kmeans", algorithm: "kmeans", problemType: .clustering, hyperparameters: ["k": 5, "n_init": 10, "random_state": 0]
    ) else { exit(1) }
    let x = try view(blobs.train.features)
    let fitted = try timed(runs: options.runs ?? 5) { try kmeans.fit(x, control: .none) }
    report("k-means, k 5, n_init 10", fit: fitted.seconds, predict: 0, metric: String(format: "inertia %.4g", fitted.result.inertia ?? .nan), scikit: 0.16)
    reportBest(fit: fitted.best, predict: 0)
}
if options.only.isEmpty { print("dbscan: not run here (a brute-force O(n²) neighbour search over 80,000 rows)") }
