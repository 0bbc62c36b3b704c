import Dispatch
import Synchronization

/// Whole tables cut into chunks of `rowsPerChunk` rows, encoded or decoded on all cores.
extension ChunkEncoder {
    /// The row ranges of the chunks a table of `rowCount` rows is cut into.
    public static func chunkRanges(rowCount: Int, rowsPerChunk: Int = defaultRowsPerChunk) -> [Range<Int>] {
        precondition(rowsPerChunk > 0, "rowsPerChunk must be positive")
        return stride(from: 0, to: rowCount, by: rowsPerChunk).map { $0..<min($0 + rowsPerChunk, rowCount) }
    }

    /// Encodes `table` as consecutive chunks, in parallel; the result is in row order.
    public func encodeChunks(_ table: Table, rowsPerChunk: Int = defaultRowsPerChunk, concurrency: Int = 2) throws(ChunkError) -> [[UInt8]] {
        let ranges = Self.chunkRanges(rowCount: table.rowCount, rowsPerChunk: rowsPerChunk)
        return try parallelMap(count: ranges.count, concurrency: concurrency) { index throws(ChunkError) in
            try encode(table, rows: ranges[index])
        }
    }
}

extension ChunkDecoder {
    /// Decodes chunks in parallel, in order.
    public func decodeChunks(_ chunks: [[UInt8]], concurrency: Int = 2) throws(ChunkError) -> [Table] {
        try parallelMap(count: chunks.count, concurrency: concurrency) { index throws(ChunkError) in
            try decode(chunks[index])
        }
    }
}

/// Runs `body` for 0..<count on `concurrency` threads and returns the results in index
/// order, or the first error by index. Threads take the next index as they finish one,
/// so a thread slowed by other work on its core takes fewer.
func parallelMap<T: Sendable>(
    count: Int, concurrency: Int, _ body: @Sendable (Int) throws(ChunkError) -> T
) throws(ChunkError) -> [T] {
    let slots = UnsafeMutableBufferPointer<Result<T, ChunkError>?>.allocate(capacity: count)
    slots.initialize(repeating: nil)
    defer {
        slots.deinitialize()
        slots.deallocate()
    }
    // Each index is written by exactly one thread, and read only after all have finished.
    nonisolated(unsafe) let shared = slots
    let workers = max(1, min(concurrency, count))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let index = next.add(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            shared[index] = Result { () throws(ChunkError) in try body(index) }
        }
    }
    var results = [T]()
    results.reserveCapacity(count)
    for slot in slots {
        switch slot {
        case .success(let value): results.append(value)
        case .failure(let error): throw error
        case nil: continue
        }
    }
    return results
}
