import KGRecTensor

/// One graph-attention layer with a jumping-knowledge connection (seed 000, "Mechanism 3"), the
/// `ModelConfig.Aggregator.gatJK` alternative to `BiInteractionLayer`:
///
///     z = h W,  q = h Q                                   [N, d_out] each
///     e_ij = z_j · tanh(q_i + ρ_r)                         per edge (i, r, j); ρ `[R, d_out]`
///     α_ij = softmax_j(e_ij)                               over i's edges (dropped edges excluded)
///     h'_i = LeakyReLU(Σ_j α_ij z_j) + (h_i J + b)         Jump(h) = h J + b
///
/// W, Q, J `[d_in, d_out]`. Unlike the Bi-Interaction path's π (computed once per epoch, without
/// gradient), α is computed from the current h on the tape, so the loss differentiates through the
/// attention into the entity, relation and neighbour embeddings. The layer outputs are aggregated
/// `e(0) ‖ norm(e(1)) ‖ …` by the model as for Bi-Interaction (the jumping-knowledge concatenation).
public final class GATJumpingKnowledgeLayer {
    public let message: Linear
    public let query: Linear
    public let relation: Parameter
    public let jump: Linear
    public let slope: Float

    public init(_ name: String, input: Int, output: Int, relations: Int, slope: Float, rng: inout Xoshiro256) {
        message = Linear("\(name).message", input: input, output: output, bias: false, rng: &rng)
        query = Linear("\(name).query", input: input, output: output, bias: false, rng: &rng)
        relation = Parameter("\(name).relation", .xavierUniform(rows: relations, cols: output, rng: &rng))
        jump = Linear("\(name).jump", input: input, output: output, rng: &rng)
        self.slope = slope
    }

    public var parameters: [Parameter] { message.parameters + query.parameters + [relation] + jump.parameters }

    /// h `[N, d_in]` over `graph` (N heads = N tails) with `edgeRelations [E]` and optionally
    /// `dropped [E]` edges → (h' `[N, d_out]`, α `[E, 1]`).
    public func callAsFunction(_ tape: Tape, _ h: Tape.Var, graph: SparseGraph, edgeRelations: [Int32],
                               dropped: [Bool]? = nil) -> (output: Tape.Var, attention: Tape.Var) {
        let z = message(tape, h), q = query(tape, h)
        let logits = tape.edgeAttentionLogits(graph, queries: q, keys: z, relations: tape.parameter(relation),
                                              edgeRelations: edgeRelations, dropped: dropped)
        let alpha = tape.segmentSoftmax(graph, logits)
        let aggregated = tape.leakyReLU(tape.spmm(graph, weights: alpha, z), slope: slope)
        return (tape.add(aggregated, jump(tape, h)), alpha)
    }
}

extension ModalityChannel {
    /// GAT-JK propagation of one channel from layer 0 e0 `[N, d]`: `[e(0), norm(e(1)), …, norm(e(L))]`
    /// (each `[N, d_l]`) and the first layer's attention α `[E]`. `dropout` is applied to each layer's
    /// output before the next layer and the normalisation (training only; nil at inference).
    func gatPropagate(_ tape: Tape, _ e0: Tape.Var, graph: SparseGraph, edgeRelations: [Int32],
                      dropped: [Bool]?, dropout: ((Tape.Var) -> Tape.Var)?) -> (outputs: [Tape.Var], attention: [Float]) {
        var outputs = [e0], e = e0
        var first: [Float] = []
        for (l, layer) in gatLayers.enumerated() {
            let (out, alpha) = layer(tape, e, graph: graph, edgeRelations: edgeRelations, dropped: dropped)
            if l == 0 { first = tape.value(alpha).data }
            e = dropout.map { $0(out) } ?? out
            outputs.append(tape.l2NormalizeRows(e))
        }
        return (outputs, first)
    }
}
