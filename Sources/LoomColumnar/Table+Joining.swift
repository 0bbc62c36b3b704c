extension Table {
    /// The rows of `tables` one after another, as one table; every table must have the
    /// first one's schema. How a worker rebuilds a dataset from its chunks.
    public static func joining(_ tables: [Table]) -> Table? {
        guard let first = tables.first, tables.allSatisfy({ $0.schema == first.schema }) else { return nil }
        return concatenating(tables, schema: first.schema)
    }
}
