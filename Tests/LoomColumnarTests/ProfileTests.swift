import Foundation
import Testing

@testable import LoomColumnar

/// Expected numbers computed independently with pandas 3.1.1 / numpy (std with ddof=1,
/// numpy.percentile linear, numpy.histogram with 20 bins), then written down here.
@Suite("Dataset profile")
struct ProfileTests {
    static func close(_ a: Double?, _ b: Double, tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test("cars: a float column with missing values, a categorical, a regression target")
    func cars() throws {
        let profile = try SampleDatasets.load(id: "sample:cars").ingestion.profile
        #expect(profile.rows == 406)
        #expect(profile.columnCount == 9)
        #expect(profile.bytes == 22_516)
        let horsepower = try #require(profile[column: "Horsepower"])
        #expect(horsepower.type == "float64")
        #expect(horsepower.count == 400)
        #expect(horsepower.missing == 6)
        #expect(horsepower.distinct == DistinctCount(value: 93, estimated: false))
        let numeric = try #require(horsepower.numeric)
        #expect(numeric.min == 46 && numeric.max == 230)
        #expect(Self.close(numeric.mean, 105.0825))
        #expect(Self.close(numeric.std, 38.768779183105195))
        #expect(numeric.q1 == 75.75 && numeric.median == 95 && numeric.q3 == 130)
        #expect(numeric.quartilesEstimated == false)
        #expect(horsepower.histogram?.bins.map(\.count) == [14, 14, 55, 40, 67, 53, 35, 11, 8, 11, 19, 30, 8, 6, 12, 4, 3, 2, 4, 4])
        let mpg = try #require(profile[column: "Miles_per_Gallon"])
        #expect(mpg.missing == 8)
        #expect(Self.close(mpg.numeric?.mean, 23.514572864321607))
        #expect(Self.close(mpg.numeric?.std, 7.815984312565782))
        #expect(mpg.numeric?.q1 == 17.5 && mpg.numeric?.median == 23 && mpg.numeric?.q3 == 29)
        #expect(mpg.histogram?.bins.map(\.count) == [3, 10, 40, 38, 36, 37, 30, 31, 21, 33, 24, 24, 20, 18, 13, 9, 4, 1, 5, 1])
        let origin = try #require(profile[column: "Origin"])
        #expect(origin.topValues == [
            ValueCount(value: "USA", count: 254), ValueCount(value: "Japan", count: 79), ValueCount(value: "Europe", count: 73),
        ])
        #expect(profile[column: "Name"]?.distinct == DistinctCount(value: 311, estimated: false))
        #expect(profile.suggestedProblem?.problemType == .regression)
        #expect(profile.suggestedProblem?.target == "Miles_per_Gallon")
    }

    @Test("penguins and iris: numbers, categoricals, a classification target")
    func penguinsAndIris() throws {
        let penguins = try SampleDatasets.load(id: "sample:penguins").ingestion.profile
        let mass = try #require(penguins[column: "body_mass_g"])
        #expect(mass.missing == 2)
        #expect(mass.distinct.value == 94)
        #expect(Self.close(mass.numeric?.mean, 4201.754385964912))
        #expect(Self.close(mass.numeric?.std, 801.9545356980955))
        #expect(mass.numeric?.q1 == 3550 && mass.numeric?.median == 4050 && mass.numeric?.q3 == 4750)
        #expect(mass.histogram?.bins.map(\.count) == [3, 12, 13, 30, 32, 39, 35, 18, 25, 17, 19, 22, 16, 12, 10, 17, 11, 5, 5, 1])
        #expect(penguins[column: "species"]?.topValues?.map(\.count) == [152, 124, 68])
        #expect(penguins[column: "sex"]?.missing == 11)
        #expect(penguins[column: "sex"]?.topValues == [ValueCount(value: "male", count: 168), ValueCount(value: "female", count: 165)])
        #expect(penguins[column: "island"]?.distinct.value == 3)
        #expect(penguins.suggestedProblem?.problemType == .classification)

        let iris = try SampleDatasets.load(id: "sample:iris").ingestion.profile
        let sepal = try #require(iris[column: "sepal length (cm)"])
        #expect(Self.close(sepal.numeric?.mean, 5.843333333333334))
        #expect(Self.close(sepal.numeric?.std, 0.828066127977863))
        #expect(sepal.numeric?.q1 == 5.1 && sepal.numeric?.median == 5.8 && sepal.numeric?.q3 == 6.4)
        #expect(sepal.distinct.value == 35)
        #expect(sepal.histogram?.bins.map(\.count) == [4, 5, 7, 16, 9, 5, 13, 14, 10, 6, 10, 16, 7, 11, 4, 2, 4, 1, 5, 1])
        #expect(sepal.histogram?.bins.count == 20)
    }

    @Test("digits: an integer target with ten values suggests classification")
    func integerTarget() throws {
        let profile = try SampleDatasets.load(id: "sample:digits").ingestion.profile
        #expect(profile[column: "digit"]?.distinct.value == 10)
        let suggestion = try #require(profile.suggestedProblem)
        #expect(suggestion.problemType == .classification)
        #expect(suggestion.reason.contains("10 distinct values"))
        // An integer column with few distinct values gets one bin per value at most.
        #expect((profile[column: "pixel_0_0"]?.histogram?.bins.count ?? 99) <= (profile[column: "pixel_0_0"]?.distinct.value ?? 0))
    }

    @Test("distinct counts are exact up to the bound, then estimated and flagged")
    func distinctBound() throws {
        let rows = 30_000
        let text = "n,s\n" + (0..<rows).map { "\($0 % 25_000),s\($0 % 25_000)" }.joined(separator: "\n") + "\n"
        var options = CSVOptions(rowsPerChunk: 4_096)
        options.profile.exactDistinctLimit = 1_000
        options.profile.sampleSize = 5_000
        let profile = try CSVIngestor(options: options).ingest(CSVMemorySource(text)) { _ in }.profile
        for name in ["n", "s"] {
            let distinct = try #require(profile[column: name]?.distinct)
            #expect(distinct.estimated)
            #expect(abs(Double(distinct.value) - 25_000) < 25_000 * 0.05)
        }
        #expect(profile[column: "s"]?.topValuesEstimated == true)
        let numeric = try #require(profile[column: "n"]?.numeric)
        #expect(numeric.quartilesEstimated)
        #expect(numeric.min == 0 && numeric.max == 24_999)
        // A uniform sample of about 5,000 puts the median near the true one (9,999.5 here).
        #expect(abs(numeric.median! - 9_999.5) < 1_000)
        let histogram = try #require(profile[column: "n"]?.histogram)
        #expect(histogram.estimated)
        #expect(histogram.bins.count == 20)
        #expect(abs(histogram.bins.reduce(0) { $0 + $1.count } - rows) < rows / 50)

        var exactOptions = options
        exactOptions.profile.exactDistinctLimit = 50_000
        let exact = try CSVIngestor(options: exactOptions).ingest(CSVMemorySource(text)) { _ in }.profile
        #expect(exact[column: "n"]?.distinct == DistinctCount(value: 25_000, estimated: false))
        #expect(exact[column: "s"]?.distinct == DistinctCount(value: 25_000, estimated: false))
    }

    @Test("the profile is JSON with stable snake_case names and survives a round trip")
    func json() throws {
        let profile = try SampleDatasets.load(id: "sample:penguins").ingestion.profile
        let data = try JSONEncoder().encode(profile)
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"column_count\"", "\"suggested_problem\"", "\"problem_type\"", "\"top_values\"", "\"quartiles_estimated\"", "\"missing\"", "\"distinct\""] {
            #expect(text.contains(key))
        }
        #expect(try JSONDecoder().decode(DatasetProfile.self, from: data) == profile)
    }

    @Test("infinities do not break the JSON")
    func infinities() throws {
        let profile = try CSVIngestor().ingest(CSVMemorySource("x\n1\ninf\n-2\n")) { _ in }.profile
        #expect(profile[column: "x"]?.type == "float64")
        #expect(profile[column: "x"]?.numeric?.max == nil)
        #expect(profile[column: "x"]?.numeric?.min == -2)
        #expect(profile[column: "x"]?.numeric?.mean == nil)
        _ = try JSONEncoder().encode(profile)
    }

    @Test("a table in memory profiles the same as its CSV")
    func inMemory() throws {
        let (table, ingestion) = try SampleDatasets.load(id: "sample:iris")
        let direct = DatasetProfiler.profile(table, byteCount: ingestion.byteCount, target: "species")
        #expect(direct == ingestion.profile)
    }

    @Test("order statistics give a sorted copy's values at any ascending ranks, neighbours included")
    func orderStatistics() {
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<200 {
            let count = Int.random(in: 1...2_000, using: &generator)
            // Few distinct values in some trials: long runs of equal values.
            let spread = trial % 3 == 0 ? 5.0 : 1e6
            let values = (0..<count).map { _ in Double(Int.random(in: 0...Int(spread), using: &generator)) }
            let sorted = values.sorted()
            var ranks = Set((0..<Int.random(in: 1...6, using: &generator)).map { _ in Int.random(in: 0..<count, using: &generator) })
            for rank in ranks where rank + 1 < count { ranks.insert(rank + 1) }
            let ascending = ranks.sorted()
            var statistics = OrderStatistics(values)
            #expect(statistics.values(atRanks: ascending) == ascending.map { sorted[$0] }, "trial \(trial)")
        }
    }

    @Test("NaN values are left out of the moments, in the four-lane sums and the tail alike")
    func nanInMoments() throws {
        let values: [Double] = [1, 2, .nan, 4, 5, 6, 7, .nan, 9, 10, .nan]
        let table = try Table(rowCount: values.count, columns: [Column(name: "x", values: .float64(values))])
        let numeric = try #require(DatasetProfiler.profile(table, byteCount: 0)[column: "x"]?.numeric)
        let present = values.filter { !$0.isNaN }
        let mean = present.reduce(0, +) / Double(present.count)
        let variance = present.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(present.count - 1)
        #expect(abs(numeric.mean! - mean) < 1e-12)
        #expect(abs(numeric.std! - variance.squareRoot()) < 1e-12)
    }
}
