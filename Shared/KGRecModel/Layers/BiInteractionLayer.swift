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
        self(tape, e, neighbours: tape.spmm(graph, weights: attention, e))
    }

    /// From the nodes' own rows e and their aggregated neighbours n (both `[B, d_in]`) → `[B, d_out]`.
    public func callAsFunction(_ tape: Tape, _ e: Tape.Var, neighbours: Tape.Var) -> Tape.Var {
        tape.biInteraction(e, neighbours, w1: tape.parameter(sum.weight), b1: tape.parameter(sum.bias!),
                           w2: tape.parameter(product.weight), b2: tape.parameter(product.bias!), slope: slope)
    }

    /// The same layer without a tape (history refresh): e `[N, d_in]` → `[N, d_out]`.
    public func infer(_ e: Matrix, graph: SparseGraph, attention: [Float]) -> Matrix {
        Kernels.biInteraction(e, Kernels.spmm(graph, attention, e), w1: sum.weight.value, b1: sum.bias!.value,
                              w2: product.weight.value, b2: product.bias!.value, slope: slope)
    }
}
