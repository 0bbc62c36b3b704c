import LoomWire
import Synchronization

/// Dataset chunks by content hash, bounded in bytes (least recently used go first), so a
/// dataset crosses the network once per worker.
final class ChunkCache: Sendable {
    private struct State {
        var entries: [WireChunkHash: (bytes: [UInt8], used: UInt64)] = [:]
        var size = 0
        var clock: UInt64 = 0
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    func get(_ hash: WireChunkHash) -> [UInt8]? {
        state.withLock { state in
            guard let entry = state.entries[hash] else { return nil }
            state.clock += 1
            state.entries[hash] = (entry.bytes, state.clock)
            return entry.bytes
        }
    }

    func put(_ hash: WireChunkHash, _ bytes: [UInt8]) {
        guard bytes.count <= limit else { return }
        state.withLock { state in
            if state.entries[hash] != nil { return }
            state.clock += 1
            state.entries[hash] = (bytes, state.clock)
            state.size += bytes.count
            while state.size > limit, let oldest = state.entries.min(by: { $0.value.used < $1.value.used }) {
                state.entries[oldest.key] = nil
                state.size -= oldest.value.bytes.count
            }
        }
    }
}
