/// Edges of a graph grouped by relation, with each group's distinct endpoint nodes, so that
/// relation-specific projections `W_r e_n` are computed once per (relation, node) pair rather than
/// once per edge endpoint.
///
/// Shapes, per relation r: `edges[r]` `[E_r]` edge ids; `nodes[r]` `[U_r]` distinct heads and tails;
/// `headSlot[r]`, `tailSlot[r]` `[E_r]` positions of each edge's head / tail in `nodes[r]`.
public struct RelationEdgeIndex: Sendable {
    public let edges: [[Int32]]
    public let nodes: [[Int32]]
    public let headSlot: [[Int32]]
    public let tailSlot: [[Int32]]

    /// heads, tails, relations `[E]`; relation ids in `0..<relationCount`, nodes in `0..<nodeCount`.
    public init(heads: [Int32], tails: [Int32], relations: [Int32], relationCount: Int, nodeCount: Int) {
        var edges = [[Int32]](repeating: [], count: relationCount)
        for (e, r) in relations.enumerated() { edges[Int(r)].append(Int32(e)) }
        var slot = [Int32](repeating: -1, count: nodeCount)
        var nodes: [[Int32]] = [], hs: [[Int32]] = [], ts: [[Int32]] = []
        for group in edges {
            var list: [Int32] = []
            func slotOf(_ n: Int32) -> Int32 {
                if slot[Int(n)] < 0 { slot[Int(n)] = Int32(list.count); list.append(n) }
                return slot[Int(n)]
            }
            hs.append(group.map { slotOf(heads[Int($0)]) })
            ts.append(group.map { slotOf(tails[Int($0)]) })
            for n in list { slot[Int(n)] = -1 }
            nodes.append(list)
        }
        self.edges = edges
        self.nodes = nodes
        headSlot = hs
        tailSlot = ts
    }
}
