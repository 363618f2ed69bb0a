import KGRecTensor

/// The trivial alignment baseline, without training: each entity is represented by raw text, and
/// pairs are ranked by cosine similarity of those vectors (`AlignmentEvaluator`, as for the model).
///
/// An entity's vector is its own text vector when it has one; otherwise the mean text of the
/// training anchors it reaches in one or two hops of its own KG, each anchor contributing its own text, or
/// its partner's when it has none (on ml-100k KG A has no text: a Freebase movie is then the mean
/// text of the B-side movies aligned to the movies it shares a director, actor or genre with). An
/// entity with neither is the zero vector (constant score: ranked last by the pessimistic rank).
public enum TextNeighbourBaseline {
    /// `[N, width]` row per union node (rows L2-normalised or zero); nil when the task has no text.
    public static func vectors(_ task: TwoKG) -> Matrix? {
        guard let text = task.features.text, text.presentCount > 0 else { return nil }
        let g = task.graph, w = text.width, n = g.nodeCount
        var partner = [Int32](repeating: -1, count: n)
        let (ta, tb) = task.pairNodes(.train)
        for (x, y) in zip(ta, tb) { partner[Int(x)] = y; partner[Int(y)] = x }
        func own(_ v: Int) -> ArraySlice<Float>? { text.vector(ofNode: v) }
        var out = Matrix(rows: n, cols: w)
        var mark = [Int32](repeating: -1, count: n)
        for v in 0..<n {
            if let x = own(v) { for c in 0..<w { out[v, c] = x[x.startIndex + c] }; continue }
            mark[v] = Int32(v)
            func add(_ t: Int) {
                guard mark[t] != Int32(v), partner[t] >= 0 else { return }
                mark[t] = Int32(v)
                guard let x = own(t) ?? own(Int(partner[t])) else { return }
                for c in 0..<w { out[v, c] += x[x.startIndex + c] }
            }
            for e1 in g.edges(of: v) {
                let u = Int(g.tails[e1])
                add(u)
                for e2 in g.edges(of: u) { add(Int(g.tails[e2])) }
            }
        }
        return AlignmentTrainer.normalized(out)
    }
}
