import KGRecTensor

/// One knowledge-aware propagation layer with the Bi-Interaction aggregator (KGAT / seed 001 §4.2.3):
/// `e_N = Σ_{(h,r,t)} π(h,r,t) e_t` (sparse, attention weights constant), then
/// `LeakyReLU((e_h + e_N) W1 + b1) + LeakyReLU((e_h ⊙ e_N) W2 + b2)`; W1, W2 `[d_in, d_out]`.
public final class BiInteractionLayer {
    public let sum: Linear
    public let product: Linear
    public let slope: Float

    public init(_ name: String, input: Int, output: Int, slope: Float, rng: inout Xoshiro256) {
        sum = Linear("\(name).w1", input: input, output: output, rng: &rng)
        product = Linear("\(name).w2", input: input, output: output, rng: &rng)
        self.slope = slope
    }

    public var parameters: [Parameter] { sum.parameters + product.parameters }

    /// e `[N, d_in]`, attention `[E]` (softmaxed per head) → `[N, d_out]`.
    public func callAsFunction(_ tape: Tape, _ e: Tape.Var, graph: SparseGraph, attention: [Float]) -> Tape.Var {
        let neighbours = tape.spmm(graph, weights: attention, e)
        return tape.biInteraction(e, neighbours, w1: tape.parameter(sum.weight), b1: tape.parameter(sum.bias!),
                                  w2: tape.parameter(product.weight), b2: tape.parameter(product.bias!), slope: slope)
    }
}
