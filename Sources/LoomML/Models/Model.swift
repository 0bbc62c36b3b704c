/// What every model fits and predicts on: features as a dense row-major buffer of
/// `rows × columns` doubles (row i is `values[i * columns ..< (i + 1) * columns]`), the
/// shape preprocessing produces. Targets are class indices `0..<classCount` for
/// classification and doubles for regression.
public struct FeatureMatrixView: Sendable {
    public let values: [Double]
    public let rows: Int
    public let columns: Int

    /// Throws when `values` does not hold exactly `rows × columns` numbers or holds a NaN or
    /// an infinity (models need every value; imputers run before them).
    public init(values: [Double], rows: Int, columns: Int) throws(ModelError) {
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw ModelError(.invalidInput, "a \(rows) × \(columns) matrix needs \(rows * columns) values, got \(values.count)")
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(
                .invalidInput,
                "row \(index / max(columns, 1)), feature \(index % max(columns, 1)) is not a finite number; impute missing values first"
            )
        }
        self.values = values
        self.rows = rows
        self.columns = columns
    }

    @inlinable public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }
}

/// How a fit reports progress and learns it must stop. `progress` gets the fraction done
/// (0...1: trees built, iterations done); `isCancelled` is polled often enough that a fit
/// stops within a second of it turning true.
public struct FitControl: Sendable {
    public var progress: @Sendable (Double) -> Void
    public var isCancelled: @Sendable () -> Bool

    public init(progress: @escaping @Sendable (Double) -> Void = { _ in }, isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.progress = progress
        self.isCancelled = isCancelled
    }

    public static let none = FitControl()

    /// Throws `.cancelled` when the fit must stop.
    public func checkCancellation() throws(ModelError) {
        if isCancelled() { throw ModelError(.cancelled, "the fit was cancelled") }
    }
}

public protocol Classifier: Sendable {
    /// Learns from `x` and class indices `y` (each in `0..<classCount`).
    mutating func fit(_ x: FeatureMatrixView, _ y: [Int], classCount: Int, control: FitControl) throws(ModelError)
    /// Row-major `rows × classCount` probabilities; each row sums to 1.
    func predictProbabilities(_ x: FeatureMatrixView) throws(ModelError) -> [Double]
    func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Int]
    /// One non-negative number per feature, summing to 1, where it means something (trees,
    /// forests, boosting, linear models by coefficient magnitude); nil otherwise.
    var featureImportances: [Double]? { get }
}

public protocol Regressor: Sendable {
    mutating func fit(_ x: FeatureMatrixView, _ y: [Double], control: FitControl) throws(ModelError)
    func predict(_ x: FeatureMatrixView) throws(ModelError) -> [Double]
    var featureImportances: [Double]? { get }
}

/// A clustering of the rows it was fitted on.
public struct Clustering: Sendable, Equatable {
    /// The cluster of each row; -1 marks noise (DBSCAN).
    public var assignments: [Int]
    public var clusterCount: Int
    /// Row-major `clusterCount × columns` centres, when the algorithm has them (k-means).
    public var centroids: [Double]?
    /// Sum of squared distances of rows to their centre, when the algorithm has centres.
    public var inertia: Double?

    public init(assignments: [Int], clusterCount: Int, centroids: [Double]? = nil, inertia: Double? = nil) {
        self.assignments = assignments
        self.clusterCount = clusterCount
        self.centroids = centroids
        self.inertia = inertia
    }
}

public protocol Clusterer: Sendable {
    func fit(_ x: FeatureMatrixView, control: FitControl) throws(ModelError) -> Clustering
}

/// A model error with a stable code. `field` names the hyperparameter at fault, so the
/// workflow layer can say which node and field a user must fix.
public struct ModelError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidInput = Code(rawValue: "invalid_input")
        public static let invalidHyperparameter = Code(rawValue: "invalid_hyperparameter")
        public static let notFitted = Code(rawValue: "not_fitted")
        public static let didNotConverge = Code(rawValue: "did_not_converge")
        public static let cancelled = Code(rawValue: "cancelled")
    }

    public var code: Code
    public var field: String?
    public var message: String

    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        field.map { "\($0): \(message)" } ?? message
    }
}
