extension Table {
    /// The rows of `tables`, one after another, as one table with `schema` (which every
    /// table must have). String columns stay dictionary-encoded when every part is and
    /// the merged dictionary is no bigger than half the rows.
    static func concatenating(_ tables: [Table], schema: [ColumnSchema]) -> Table {
        if tables.count == 1 { return tables[0] }
        let rows = tables.reduce(0) { $0 + $1.rowCount }
        let columns = schema.indices.map { index -> Column in
            let parts = tables.map { $0.columns[index] }
            let column = schema[index]
            var validity: ValidityBitmap? = nil
            if column.isNullable {
                var bits = [Bool]()
                bits.reserveCapacity(rows)
                for part in parts { for row in 0..<part.count { bits.append(!part.isNull(row)) } }
                validity = ValidityBitmap(bits)
            }
            let values: ColumnValues
            switch column.type {
            case .float64: values = .float64(parts.flatMap { $0.doubles ?? [] })
            case .int64: values = .int64(parts.flatMap { $0.integers ?? [] })
            case .bool: values = .bool(parts.flatMap { $0.booleans ?? [] })
            case .string:
                let strings = parts.flatMap { part in part.strings.map { Array($0) } ?? [] }
                let allDictionary = parts.allSatisfy { $0.strings?.isDictionaryEncoded ?? false }
                let encoded = StringArray.dictionaryEncoded(strings)
                if allDictionary, case .dictionary(let entries, _) = encoded.storage, entries.count * 2 <= max(rows, 2) {
                    values = .string(encoded)
                } else {
                    values = .string(StringArray(strings))
                }
            }
            return Column(unchecked: column.name, values, validity)
        }
        return Table(uncheckedRowCount: rows, columns: columns)
    }
}
