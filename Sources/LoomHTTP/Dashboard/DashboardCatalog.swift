import Foundation
import LoomColumnar
import LoomML
import LoomWorkflow

/// What the canvas may offer on each node, as data: the algorithms of each problem type with
/// their hyperparameters (kind, default, range, choices), the metrics, the plots, the
/// preprocessing methods and their parameters, the split's fields.
///
/// Nothing here is copied from the models by hand. LoomML declares hyperparameters only as
/// the reads of each model's constructor, so the catalog asks the constructors themselves:
/// an unknown name makes the reader list the names it took; a value of the wrong type makes
/// it say what type it wanted (and the allowed choices); the default is the candidate value
/// whose model is identical to the model built with nothing given; the range is found by
/// trying values at its edges. `DashboardCatalogTests` checks that every algorithm and
/// method came out described, so a change in LoomML's wording fails a test, not the page.
struct DashboardCatalog: Encodable, Sendable {
    struct Parameter: Encodable, Sendable {
        /// number, integer, boolean, choice, max_features, columns, pair, value
        var kind: String
        var name: String
        var defaultValue: JSONValue?
        var choices: [String]?
        var minimum: Double?
        var exclusiveMinimum: Bool?
        var maximum: Double?
        var required: Bool?

        enum CodingKeys: String, CodingKey {
            case kind, name, choices, minimum, maximum, required
            case defaultValue = "default"
            case exclusiveMinimum = "exclusive_minimum"
        }
    }

    struct Algorithm: Encodable, Sendable {
        var name: String
        var featureImportances: Bool
        var hyperparameters: [Parameter]
        enum CodingKeys: String, CodingKey {
            case name, hyperparameters
            case featureImportances = "feature_importances"
        }
    }

    struct Metric: Encodable, Sendable {
        var name: String
        var problemType: String
        var needsProbabilities: Bool
        enum CodingKeys: String, CodingKey {
            case name
            case problemType = "problem_type"
            case needsProbabilities = "needs_probabilities"
        }
    }

    struct Plot: Encodable, Sendable {
        var name: String
        var problemTypes: [String]
        var needsFeatureImportances: Bool
        enum CodingKeys: String, CodingKey {
            case name
            case problemTypes = "problem_types"
            case needsFeatureImportances = "needs_feature_importances"
        }
    }

    struct Method: Encodable, Sendable {
        var method: String
        var parameters: [Parameter]
    }

    var problemTypes: [String]
    var nodeTypes: [String]
    var algorithms: [String: [Algorithm]]
    var metrics: [Metric]
    var standardMetrics: [String: [String]]
    var plots: [Plot]
    var preprocessing: [Method]
    var split: [Parameter]

    enum CodingKeys: String, CodingKey {
        case metrics, plots, preprocessing, split, algorithms
        case problemTypes = "problem_types"
        case nodeTypes = "node_types"
        case standardMetrics = "standard_metrics"
    }

    /// Built once: probing every constructor takes a few milliseconds.
    static let shared = DashboardCatalog()

    init() {
        let problems: [ProblemType] = [.classification, .regression, .clustering]
        problemTypes = problems.map(\.rawValue)
        nodeTypes = NodeType.allCases.map(\.rawValue)
        var algorithms: [String: [Algorithm]] = [:]
        for problem in problems {
            algorithms[problem.rawValue] = ModelCatalog.algorithms(for: problem).map { name in
                Algorithm(
                    name: name, featureImportances: ModelCatalog.givesFeatureImportances(name),
                    hyperparameters: ModelProbe(algorithm: name, problem: problem).parameters())
            }
        }
        self.algorithms = algorithms
        metrics = MetricName.allCases.map {
            Metric(name: $0.rawValue, problemType: $0.problemType.rawValue, needsProbabilities: $0.needsProbabilities)
        }
        standardMetrics = [
            ProblemType.regression.rawValue: MetricSet.standardRegression.map(\.rawValue),
            ProblemType.clustering.rawValue: MetricSet.standardClustering.map(\.rawValue),
            ProblemType.classification.rawValue: MetricSet.standardClassification(classCount: 2, hasProbabilities: true).map(\.rawValue),
        ]
        plots = PlotKind.allCases.map { kind in
            Plot(
                name: kind.rawValue, problemTypes: problems.filter { kind.problemTypes.contains($0) }.map(\.rawValue),
                needsFeatureImportances: kind == .featureImportance)
        }
        preprocessing = PreprocessingMethods.names.map { Method(method: $0, parameters: MethodProbe(method: $0).parameters()) }
        let split = try? TrainTestSplit(nodeID: "split", parameters: [:])
        self.split = [
            Parameter(
                kind: "number", name: "testSize", defaultValue: split.map { .number($0.testSize) },
                minimum: TrainTestSplit.testSizeRange.lowerBound, maximum: TrainTestSplit.testSizeRange.upperBound),
            Parameter(kind: "integer", name: "randomState", defaultValue: .number(Double(TrainTestSplit.defaultRandomState)), minimum: 0),
            Parameter(kind: "boolean", name: "shuffle", defaultValue: split.map { .bool($0.shuffle) }),
            Parameter(kind: "boolean", name: "stratify", defaultValue: split?.stratify.map { .bool($0) }),
        ]
    }
}

/// Questions put to a constructor that reads named settings: `build` answers nil when the
/// settings are accepted with the text of the built value, or the refusal's field and message.
protocol SettingsProbe {
    func build(_ settings: [String: JSONValue]) -> Result<String, ProbeRefusal>
    /// The names the constructor read, as its refusal of an unknown name lists them.
    func acceptedNames(from message: String) -> [String]
}

struct ProbeRefusal: Error {
    var field: String?
    var message: String
}

extension SettingsProbe {
    static var unknownName: String { "\u{1}probe" }

    func parameters() -> [DashboardCatalog.Parameter] {
        var prober = Prober(probe: self)
        switch build([:]) {
        case .success(let text): prober.baseline = text
        case .failure(let refusal):
            // A required parameter (drop_columns' columns): find a value it takes, so that
            // the other questions are about the others. It has no default.
            guard let field = refusal.field else { return [] }
            let tries: [JSONValue] = [.array([.string("probe")]), .string("probe"), .number(1), .bool(true)]
            guard let value = tries.first(where: { prober.accepts([field: $0]) }) else { return [] }
            prober.required = field
            prober.base = [field: value]
            if case .success(let text) = prober.build([:]) { prober.baseline = text }
        }
        guard case .failure(let refusal) = prober.build([Self.unknownName: .number(0)]) else { return [] }
        return acceptedNames(from: refusal.message).map { prober.describe($0) }
    }

    static func quoted(in text: String) -> [String] {
        var values: [String] = []
        for quote in ["'", "\""] where values.isEmpty {
            let parts = text.components(separatedBy: quote)
            // Stop at the value that was refused ("got '…'").
            var index = 1
            while index < parts.count - 1 {
                if parts[index - 1].contains("got") { break }
                values.append(parts[index])
                index += 2
            }
        }
        return values.filter { $0 != "\u{1}" }
    }

    static func numbers(in text: String) -> [Double] {
        var seen = Set<Double>()
        return text.matches(of: /-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?/).compactMap { Double($0.output.0) }.filter { seen.insert($0).inserted }
    }
}

/// One constructor's questions, with the settings every question starts from.
struct Prober<Probe: SettingsProbe> {
    let probe: Probe
    /// What the constructor builds with nothing given (or only the required parameter).
    var baseline = ""
    var base: [String: JSONValue] = [:]
    var required: String?

    func build(_ settings: [String: JSONValue]) -> Result<String, ProbeRefusal> {
        probe.build(base.merging(settings) { _, new in new })
    }

    func accepts(_ settings: [String: JSONValue]) -> Bool {
        if case .success = build(settings) { return true }
        return false
    }

    func describe(_ name: String) -> DashboardCatalog.Parameter {
        var parameter = DashboardCatalog.Parameter(kind: "value", name: name)
        let message: String
        switch build([name: .string("\u{1}")]) {
        case .success:
            // Takes a string: a column list also takes one name alone; anything else takes
            // any value (simple_imputer's fill_value).
            if case .failure(let refusal) = build([name: .object([:])]), refusal.message.contains("list of column names") {
                parameter.kind = "columns"
            }
            if name == required { parameter.required = true }
            return parameter
        case .failure(let refusal): message = refusal.message
        }
        if message.contains("must be one of") {
            parameter.kind = "choice"
            parameter.choices = Probe.quoted(in: message.components(separatedBy: "must be one of").last ?? "")
        } else if message.contains("a count or a fraction") {
            parameter.kind = "max_features"
            parameter.choices = ["sqrt", "log2", "all"]
        } else if message.contains("true or false") {
            parameter.kind = "boolean"
        } else if message.contains("whole number") {
            parameter.kind = "integer"
        } else if message.contains("list of column names") {
            parameter.kind = "columns"
        } else if message.contains("list of two numbers") {
            parameter.kind = "pair"
        } else if message.contains("number") {
            parameter.kind = "number"
        }
        if name == required { parameter.required = true }
        if ["integer", "number"].contains(parameter.kind) { findRange(&parameter) }
        if name != required { parameter.defaultValue = defaultValue(of: parameter) }
        return parameter
    }

    private func refusesOnlyBecauseOf(_ name: String, _ value: Double) -> Bool {
        if case .failure(let refusal) = build([name: .number(value)]) { return refusal.field == name }
        return false
    }

    private func findRange(_ parameter: inout DashboardCatalog.Parameter) {
        let name = parameter.name
        if parameter.kind == "integer" {
            parameter.minimum = [-1.0, 0, 1, 2, 3].first { !refusesOnlyBecauseOf(name, $0) }.flatMap { $0 == -1 ? nil : $0 }
        } else if refusesOnlyBecauseOf(name, -1) {
            if !refusesOnlyBecauseOf(name, 0) {
                parameter.minimum = 0
            } else if !refusesOnlyBecauseOf(name, 1e-9) {
                parameter.minimum = 0
                parameter.exclusiveMinimum = true
            }
        }
        if !refusesOnlyBecauseOf(name, 1), refusesOnlyBecauseOf(name, 1e6) {
            parameter.maximum = [1.0, 2, 5, 10, 100, 1000].last { !refusesOnlyBecauseOf(name, $0) }
        }
    }

    /// The candidate whose built value is the baseline's: that is what leaving it out means.
    private func defaultValue(of parameter: DashboardCatalog.Parameter) -> JSONValue? {
        guard !baseline.isEmpty else { return nil }
        var candidates: [JSONValue] = []
        switch parameter.kind {
        case "boolean": candidates = [.bool(true), .bool(false)]
        case "choice": candidates = (parameter.choices ?? []).map(JSONValue.string)
        case "max_features": candidates = [.string("sqrt"), .string("log2"), .string("all"), .number(1)]
        case "integer", "number": candidates = Probe.numbers(in: baseline).map(JSONValue.number)
        case "pair":
            let numbers = Probe.numbers(in: baseline)
            candidates = zip(numbers, numbers.dropFirst()).map { .array([.number($0), .number($1)]) }
        default: return nil
        }
        return candidates.first { candidate in
            if case .success(let text) = build([parameter.name: candidate]) { return text == baseline }
            return false
        }
    }

}

struct ModelProbe: SettingsProbe {
    let algorithm: String
    let problem: ProblemType

    func build(_ settings: [String: JSONValue]) -> Result<String, ProbeRefusal> {
        do {
            let model = try ModelCatalog.make(nodeID: "probe", algorithm: algorithm, problemType: problem, hyperparameters: settings)
            return .success(String(reflecting: model))
        } catch {
            return .failure(ProbeRefusal(field: error.field, message: error.error.message))
        }
    }

    func acceptedNames(from message: String) -> [String] {
        guard let range = message.range(of: "(it takes "), !message.hasSuffix("(it takes none)") else { return [] }
        let list = message[range.upperBound...].dropLast()
        return list.components(separatedBy: ", ").filter { !$0.isEmpty }
    }
}

struct MethodProbe: SettingsProbe {
    let method: String

    func build(_ settings: [String: JSONValue]) -> Result<String, ProbeRefusal> {
        do {
            let step = try PreprocessingMethods.makeStep(PreprocessingNode(id: "probe", method: method, parameters: settings))
            return .success(String(reflecting: step))
        } catch {
            return .failure(ProbeRefusal(field: error.field, message: error.message))
        }
    }

    func acceptedNames(from message: String) -> [String] {
        guard let range = message.range(of: "; it takes "), !message.hasSuffix("no parameters") else { return [] }
        return message[range.upperBound...].components(separatedBy: ", ").filter { !$0.isEmpty }
    }
}
