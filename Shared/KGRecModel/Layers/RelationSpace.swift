import KGRecTensor

/// TransR relation parameters of one modality channel, shared (as in KGAT) by the knowledge-aware
/// attention and the KG loss: relation embeddings `e_r` (`[R, k]`) and projections `W_r` stored as
/// one `[R·k, d]` matrix (block r = `W_r`, `[k, d]`). Here k = d.
public final class RelationSpace {
    public let embedding: Parameter
    public let projection: Parameter
    public let width: Int

    public init(_ name: String, relations: Int, width d: Int, rng: inout Xoshiro256) {
        width = d
        embedding = Parameter("\(name).relation_embedding", .xavierUniform(rows: relations, cols: d, rng: &rng))
        // Xavier per block: fan-in d, fan-out k.
        let a = (6.0 / Float(2 * d)).squareRoot()
        projection = Parameter("\(name).relation_projection",
                               .uniform(rows: relations * d, cols: d, -a, a, rng: &rng))
    }

    public var parameters: [Parameter] { [embedding, projection] }

    /// Knowledge-aware attention logits `π(h,r,t) = (W_r e_t)ᵀ tanh(W_r e_h + e_r)` for every edge of
    /// `graph` (relation per edge `relations [E]`), from layer-0 embeddings `[N, d]`, without gradient
    /// (KGAT refreshes attention once per epoch this way). Edges are processed grouped by relation so
    /// the projections are GEMMs. Returns `[E]` logits in the graph's edge order.
    public func attentionLogits(_ embeddings: Matrix, graph: SparseGraph, relations: [Int32],
                                byRelation groups: [[Int32]]) -> [Float] {
        let d = width
        var logits = [Float](repeating: 0, count: graph.edgeCount)
        for (r, edges) in groups.enumerated() where !edges.isEmpty {
            let heads = edges.map { graph.heads[Int($0)] }, tails = edges.map { graph.tails[Int($0)] }
            var w = Matrix(rows: d, cols: d)
            for i in 0..<(d * d) { w.data[i] = projection.value.data[r * d * d + i] }
            // [E_r, d] · W_rᵀ → [E_r, k]
            let ph = GEMM.multiply(Kernels.gatherRows(embeddings, heads), w, transB: true)
            let pt = GEMM.multiply(Kernels.gatherRows(embeddings, tails), w, transB: true)
            let er = embedding.value.row(r)
            for (k, e) in edges.enumerated() {
                var s: Float = 0
                for c in 0..<d { s += pt.data[k * d + c] * Kernels.tanh(ph.data[k * d + c] + er[c]) }
                logits[Int(e)] = s
            }
        }
        return logits
    }

    /// TransR plausibility `g(h,r,t) = ‖W_r e_h + e_r − W_r e_t‖²` on the tape, plus the squared norms
    /// of the projected vectors for L2. eh, et `[B, d]`, relations `[B]` → (g `[B, 1]`, parts).
    func score(_ tape: Tape, heads eh: Tape.Var, tails et: Tape.Var, relations: [Int32],
               relationEmbedding er: Tape.Var, projection w: Tape.Var) -> Tape.Var {
        let ph = tape.relationProject(eh, w, relations: relations, outputSize: width)
        let pt = tape.relationProject(et, w, relations: relations, outputSize: width)
        return tape.rowSquaredNorm(tape.sub(tape.add(ph, er), pt))
    }
}
