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
        // Xavier over the whole table as KGAT's reference implementations initialise it (RecBole's
        // `trans_w` is an `[R, d·k]` embedding: fans R and d·k; TensorFlow KGAT's `[R, d, k]` gives
        // nearly the same), std ≈ 0.022 at d = k = 64. Per-block Xavier (fans d and k, std 0.125)
        // makes the attention logits ~30× larger, so π is sharply peaked from the first epoch.
        let a = (6.0 / Float(relations + d * d)).squareRoot()
        projection = Parameter("\(name).relation_projection",
                               .uniform(rows: relations * d, cols: d, -a, a, rng: &rng))
    }

    public var parameters: [Parameter] { [embedding, projection] }

    /// Knowledge-aware attention logits `π(h,r,t) = (W_r e_t)ᵀ tanh(W_r e_h + e_r)` for every edge,
    /// from layer-0 embeddings `[N, d]`, without gradient (KGAT refreshes attention once per epoch
    /// this way). Per relation, the distinct endpoints are projected with one GEMM
    /// (`[U_r, d] · W_rᵀ`), then each edge's logit is a SIMD dot with a vectorised tanh.
    /// Returns `[E]` logits in edge-id order.
    public func attentionLogits(_ embeddings: Matrix, index: RelationEdgeIndex) -> [Float] {
        let d = width
        let edgeCount = index.edges.reduce(0) { $0 + $1.count }
        var logits = [Float](repeating: 0, count: edgeCount)
        for r in 0..<index.edges.count where !index.edges[r].isEmpty {
            var w = Matrix(rows: d, cols: d)
            for i in 0..<(d * d) { w.data[i] = projection.value.data[r * d * d + i] }
            let p = GEMM.multiply(Kernels.gatherRows(embeddings, index.nodes[r]), w, transB: true)  // [U_r, k]
            let er = embedding.value.row(r)
            let edges = index.edges[r], hs = index.headSlot[r], ts = index.tailSlot[r]
            p.data.withUnsafeBufferPointer { pp in
                er.withUnsafeBufferPointer { ep in
                    logits.withUnsafeMutableBufferPointer { lp in
                        let P = pp.baseAddress!, Er = ep.baseAddress!, L = lp.baseAddress!
                        Parallel.forRanges(edges.count, grain: 4096) { range in
                            for k in range {
                                L[Int(edges[k])] = FastMath.dotTanh(P + Int(ts[k]) * d, P + Int(hs[k]) * d, Er, d)
                            }
                        }
                    }
                }
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
