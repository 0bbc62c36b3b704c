/// The nodes and edges of a workflow as adjacency lists, keeping the document's order so
/// that every walk (and so every message and every run) is the same each time.
struct WorkflowGraph: Sendable {
    /// Node ids in document order (first occurrence of a duplicated id only).
    let ids: [String]
    let inputs: [String: [String]]
    let outputs: [String: [String]]

    /// Edges that name unknown nodes or loop on themselves are left out: validation reports
    /// them separately, and the rest of the graph is still checked.
    init(nodeIDs: [String], edges: [WorkflowEdge]) {
        var seen = Set<String>()
        ids = nodeIDs.filter { seen.insert($0).inserted }
        var inputs: [String: [String]] = [:]
        var outputs: [String: [String]] = [:]
        for id in ids {
            inputs[id] = []
            outputs[id] = []
        }
        for edge in edges where edge.source != edge.target && seen.contains(edge.source) && seen.contains(edge.target) {
            if outputs[edge.source]!.contains(edge.target) { continue }
            outputs[edge.source]!.append(edge.target)
            inputs[edge.target]!.append(edge.source)
        }
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Kahn's algorithm. `order` holds every node not on or behind a cycle; `cycles` one
    /// cycle (its node ids in edge order) for each group of nodes that loop.
    func topologicalSort() -> (order: [String], cycles: [[String]]) {
        var remaining = inputs.mapValues(\.count)
        var ready = ids.filter { remaining[$0] == 0 }
        var order: [String] = []
        order.reserveCapacity(ids.count)
        var next = 0
        while next < ready.count {
            let id = ready[next]
            next += 1
            order.append(id)
            for target in outputs[id]! {
                remaining[target]! -= 1
                if remaining[target] == 0 { ready.append(target) }
            }
        }
        guard order.count < ids.count else { return (order, []) }

        // Every node left has a predecessor that is also left, so walking backwards from
        // any of them must come back to a node already seen: that closes a cycle.
        let left = Set(ids).subtracting(order)
        var onCycle = Set<String>()
        var cycles: [[String]] = []
        for start in ids where left.contains(start) && !onCycle.contains(start) {
            var walk: [String] = []
            var position: [String: Int] = [:]
            var current = start
            while position[current] == nil {
                position[current] = walk.count
                walk.append(current)
                current = inputs[current]!.first { left.contains($0) }!
            }
            let cycle = Array(walk[position[current]!...].reversed())
            if onCycle.isDisjoint(with: cycle) {
                cycles.append(cycle)
                onCycle.formUnion(cycle)
            }
        }
        return (order, cycles)
    }

    /// Every node reachable from `starts` by following edges forward, `starts` included.
    func reachable(from starts: [String]) -> Set<String> {
        var seen = Set(starts)
        var stack = starts
        while let id = stack.popLast() {
            for target in outputs[id] ?? [] where seen.insert(target).inserted {
                stack.append(target)
            }
        }
        return seen
    }

    /// Every node downstream of `id`, not including it.
    func descendants(of id: String) -> Set<String> {
        var all = reachable(from: [id])
        all.remove(id)
        return all
    }
}
