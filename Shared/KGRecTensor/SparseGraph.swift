/// A sparse directed edge list in CSR order by head, with its transpose, for message passing.
///
/// Edge `e` goes from `heads[e]` to `tails[e]`; edges of head h are `offsets[h]..<offsets[h+1]`.
/// The transpose lists, for each tail t, the edge ids `transposeEdges[transposeOffsets[t]..<…[t+1]]`
/// ending at t, so backward passes scatter without races; `transposeHeads[k]` is the head of edge
/// `transposeEdges[k]` (read in order by the transposed product instead of through the edge id).
/// Shapes: `offsets [H+1]`, `tails [E]`, `heads [E]`, `transposeOffsets [T+1]`, `transposeEdges [E]`,
/// `transposeHeads [E]`.
public struct SparseGraph: Sendable {
    public let headCount: Int
    public let tailCount: Int
    public let offsets: [Int32]
    public let heads: [Int32]
    public let tails: [Int32]
    public let transposeOffsets: [Int32]
    public let transposeEdges: [Int32]
    public let transposeHeads: [Int32]

    public var edgeCount: Int { tails.count }

    /// Builds from CSR `offsets [H+1]` and `tails [E]` with tails in `0..<tailCount`.
    public init(offsets: [Int32], tails: [Int32], tailCount: Int) {
        precondition(!offsets.isEmpty && Int(offsets.last!) == tails.count, "CSR offsets/tails mismatch")
        headCount = offsets.count - 1
        self.tailCount = tailCount
        self.offsets = offsets
        self.tails = tails
        var heads = [Int32](repeating: 0, count: tails.count)
        for h in 0..<headCount { for e in Int(offsets[h])..<Int(offsets[h + 1]) { heads[e] = Int32(h) } }
        self.heads = heads
        var counts = [Int32](repeating: 0, count: tailCount + 1)
        for t in tails { counts[Int(t) + 1] += 1 }
        for i in 0..<tailCount { counts[i + 1] += counts[i] }
        transposeOffsets = counts
        var fill = counts
        var edges = [Int32](repeating: 0, count: tails.count)
        for e in 0..<tails.count {
            let t = Int(tails[e])
            edges[Int(fill[t])] = Int32(e)
            fill[t] += 1
        }
        transposeEdges = edges
        transposeHeads = edges.map { heads[Int($0)] }
    }

    /// Builds from an unsorted edge list `(heads [E], tails [E])`; edge order becomes CSR order and
    /// `permutation[k]` is the input index of CSR edge k.
    public static func fromEdges(heads: [Int32], tails: [Int32], headCount: Int,
                                 tailCount: Int) -> (graph: SparseGraph, permutation: [Int32]) {
        var counts = [Int32](repeating: 0, count: headCount + 1)
        for h in heads { counts[Int(h) + 1] += 1 }
        for i in 0..<headCount { counts[i + 1] += counts[i] }
        var fill = counts
        var perm = [Int32](repeating: 0, count: heads.count)
        var sortedTails = [Int32](repeating: 0, count: heads.count)
        for e in 0..<heads.count {
            let h = Int(heads[e])
            perm[Int(fill[h])] = Int32(e)
            sortedTails[Int(fill[h])] = tails[e]
            fill[h] += 1
        }
        return (SparseGraph(offsets: counts, tails: sortedTails, tailCount: tailCount), perm)
    }
}
