import Testing

@testable import LoomColumnar

@Suite("Sample datasets")
struct SampleDatasetTests {
    @Test("every sample loads with its rows, columns and target", arguments: SampleDatasets.all.map(\.id))
    func loads(id: String) throws {
        let entry = try #require(SampleDatasets.entry(id: id))
        let (table, ingestion) = try SampleDatasets.load(id: id)
        #expect(table.rowCount == entry.rows)
        #expect(table.columnCount == entry.columns)
        #expect(table[entry.target] != nil)
        #expect(ingestion.profile.suggestedProblem?.problemType == entry.problemType)
        #expect(!entry.source.isEmpty)
    }

    @Test("penguins: string categoricals and missing values")
    func penguins() throws {
        let table = try SampleDatasets.load(id: "sample:penguins").table
        let types = Dictionary(uniqueKeysWithValues: table.schema.map { ($0.name, $0) })
        #expect(types["species"] == ColumnSchema(name: "species", type: .string, isNullable: false))
        #expect(types["island"] == ColumnSchema(name: "island", type: .string, isNullable: false))
        #expect(types["bill_length_mm"] == ColumnSchema(name: "bill_length_mm", type: .float64, isNullable: true))
        #expect(types["sex"] == ColumnSchema(name: "sex", type: .string, isNullable: true))
        #expect(types["year"] == ColumnSchema(name: "year", type: .int64, isNullable: false))
        #expect(table["species"]!.strings!.isDictionaryEncoded)
        #expect(table["sex"]!.nullCount == 11)
        #expect(table["bill_length_mm"]!.nullCount == 2)
        #expect(table["species"]!.string(at: 0) == "Adelie")
        #expect(table["bill_length_mm"]!.double(at: 0) == 39.1)
    }

    @Test("cars: missing target values, a categorical origin")
    func cars() throws {
        let table = try SampleDatasets.load(id: "sample:cars").table
        #expect(table["Miles_per_Gallon"]!.type == .float64)
        #expect(table["Miles_per_Gallon"]!.nullCount == 8)
        #expect(table["Horsepower"]!.nullCount == 6)
        #expect(table["Cylinders"]!.type == .int64)
        #expect(table["Weight_in_lbs"]!.type == .int64)
        #expect(table["Origin"]!.strings!.isDictionaryEncoded)
        #expect(table["Name"]!.type == .string)
        #expect(table["Name"]!.string(at: 0) == "chevrolet chevelle malibu")
    }

    @Test("the other samples are all numeric but their label")
    func numericSamples() throws {
        for (id, label) in [("sample:iris", "species"), ("sample:wine", "cultivar"), ("sample:breast_cancer", "diagnosis")] {
            let table = try SampleDatasets.load(id: id).table
            for column in table.columns {
                #expect(column.type == (column.name == label ? .string : .float64), "\(id) \(column.name)")
                #expect(!column.isNullable)
            }
        }
        let digits = try SampleDatasets.load(id: "sample:digits").table
        #expect(digits.columns.allSatisfy { $0.type == .int64 })
        let diabetes = try SampleDatasets.load(id: "sample:diabetes").table
        #expect(diabetes.columns.allSatisfy { $0.type == .float64 })
    }

    @Test("an unknown id is a clear error")
    func unknown() {
        do {
            _ = try SampleDatasets.load(id: "sample:nope")
            Issue.record("loaded an unknown sample")
        } catch {
            #expect(error.code == .invalidOptions)
            #expect(error.message.contains("sample:iris"))
        }
    }
}
