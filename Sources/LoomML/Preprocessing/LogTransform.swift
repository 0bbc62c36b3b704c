#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LoomColumnar

/// `log_transform`: x → ln(x + offset), with `offset` 1 by default (NumPy's log1p, so
/// that zeros stay zeros). Every value must be greater than −offset; a value that is not
/// is refused, naming the column and row. Depends on each row alone, so it learns nothing.
public struct LogTransform: TransformStep, FittedStep {
    public static let method = "log_transform"
    public let identity: StepIdentity
    public let columns: [String]?
    public let offset: Double
    public var learnsFromRows: Bool { false }
    private var resolved: [String] = []

    public init(identity: StepIdentity, parameters: [String: JSONValue]) throws(PreprocessingError) {
        var reader = ParameterReader(identity, parameters)
        columns = try reader.columns()
        offset = try reader.double("offset", default: 1, range: 0...1e300)
        try reader.finish()
        self.identity = identity
    }

    public func fit(on table: Table, trainingRows: [Int], target: String?) throws(PreprocessingError) -> any FittedStep {
        let indices = try resolveColumns(columns, in: table, target: target, by: identity, expected: scalableDescription, suits: isScalable)
        var fitted = self
        fitted.resolved = indices.map { table.columns[$0].name }
        return fitted
    }

    public func apply(to table: Table) throws(PreprocessingError) -> Table {
        let offset = offset
        let names = resolved
        let identity = identity
        return try mapNumericColumns(table, names: names, by: identity) { (column: Int, x: Double) throws(PreprocessingError) -> Double in
            guard x + offset > 0 else {
                throw identity.error(.invalidValue, field: "columns", "column '\(names[column])' has the value \(formatLabel(x)), whose logarithm (with offset \(formatLabel(offset))) is undefined; raise 'offset' above \(formatLabel(-x)) or filter such rows first")
            }
            return offset == 1 ? log1p(x) : log(x + offset)
        }
    }
}
