/// Per-item BFS node sequences for the multimodal fusion module (seed 001, §4.2.2).
///
/// Sequence of item i: the item's node first, then nodes of the collaborative KG by hop distance
/// (1-hop, then 2-hop, ...), up to `length` nodes. Deterministic and balanced: within a hop the
/// frontier nodes take turns, and each node's neighbours are taken round-robin over its relations
/// (so a popular item's thousands of users do not crowd out its attribute entities); ties follow
/// CSR order (relation, tail).
///
/// Shapes: `nodes` is `[I, length]` row-major with node indices of `CollaborativeKG`, padded with -1;
/// `counts` is `[I]`, the number of valid nodes per row (≥ 1: the item itself).
public struct NeighbourSequences: Sendable, Equatable {
    public let length: Int
    public let nodes: [Int32]
    public let counts: [Int32]

    public init(length: Int, nodes: [Int32], counts: [Int32]) {
        precondition(nodes.count == length * counts.count)
        self.length = length
        self.nodes = nodes
        self.counts = counts
    }

    public var itemCount: Int { counts.count }

    /// The valid nodes of item `i`'s sequence.
    public func sequence(of i: Int) -> ArraySlice<Int32> {
        nodes[i * length..<i * length + Int(counts[i])]
    }

    /// BFS over `graph` from every item. `includeUsers: false` skips user nodes (they carry no content).
    public init(graph: CollaborativeKG, length: Int, includeUsers: Bool = true) {
        precondition(length >= 1)
        let itemCount = graph.itemCount
        let firstUser = Int32(graph.entityCount)
        var nodes = [Int32](repeating: -1, count: itemCount * length)
        var counts = [Int32](repeating: 0, count: itemCount)
        var stamp = [Int32](repeating: -1, count: graph.nodeCount)
        var frontier = [Int32](), next = [Int32](), lists = [[Int32]]()
        for item in 0..<itemCount {
            let base = item * length
            var filled = 1
            nodes[base] = Int32(item)
            stamp[item] = Int32(item)
            frontier = [Int32(item)]
            while filled < length && !frontier.isEmpty {
                let need = length - filled
                lists.removeAll(keepingCapacity: true)
                for v in frontier {
                    lists.append(Self.roundRobin(graph, Int(v), need: need, stamp: stamp, mark: Int32(item),
                                                 skipFrom: includeUsers ? Int32.max : firstUser))
                }
                next.removeAll(keepingCapacity: true)
                var k = 0, any = true
                while any && filled < length {
                    any = false
                    for l in lists where k < l.count {
                        any = true
                        let t = l[k]
                        if stamp[Int(t)] == Int32(item) { continue }
                        stamp[Int(t)] = Int32(item)
                        nodes[base + filled] = t
                        filled += 1
                        next.append(t)
                        if filled == length { break }
                    }
                    k += 1
                }
                swap(&frontier, &next)
            }
            counts[item] = Int32(filled)
        }
        self.init(length: length, nodes: nodes, counts: counts)
    }

    /// Up to `need` unvisited neighbours of `v`, taking one per relation group in turn.
    private static func roundRobin(_ g: CollaborativeKG, _ v: Int, need: Int, stamp: [Int32], mark: Int32,
                                   skipFrom: Int32) -> [Int32] {
        let range = g.edges(of: v)
        if range.isEmpty { return [] }
        var groupStarts = [Int](), cursor = [Int]()
        var last: Int32 = -1
        for e in range where g.relations[e] != last {
            last = g.relations[e]
            groupStarts.append(e)
        }
        groupStarts.append(range.upperBound)
        cursor = Array(groupStarts.dropLast())
        var out = [Int32]()
        var progressed = true
        while out.count < need && progressed {
            progressed = false
            for gi in 0..<cursor.count {
                while cursor[gi] < groupStarts[gi + 1] {
                    let t = g.tails[cursor[gi]]
                    cursor[gi] += 1
                    if stamp[Int(t)] != mark && t < skipFrom {
                        out.append(t)
                        progressed = true
                        break
                    }
                }
                if out.count >= need { break }
            }
        }
        return out
    }
}
