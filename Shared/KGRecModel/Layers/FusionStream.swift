import KGRecTensor

/// One modality's half of a fusion block: its query/key/value/output projections (no bias, `[d, d]`),
/// the post-attention LayerNorm, the FFN `ReLU(x W1 + b1) W2 + b2` (`[d, F]`, `[F, d]`) and the
/// post-FFN LayerNorm.
public final class FusionStream {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let norm1: LayerNorm
    public let ffn1: Linear
    public let ffn2: Linear
    public let norm2: LayerNorm

    public init(_ name: String, width d: Int, ffnWidth f: Int, rng: inout Xoshiro256) {
        query = Linear("\(name).wq", input: d, output: d, bias: false, rng: &rng)
        key = Linear("\(name).wk", input: d, output: d, bias: false, rng: &rng)
        value = Linear("\(name).wv", input: d, output: d, bias: false, rng: &rng)
        output = Linear("\(name).wo", input: d, output: d, bias: false, rng: &rng)
        norm1 = LayerNorm("\(name).norm1", width: d)
        ffn1 = Linear("\(name).ffn1", input: d, output: f, rng: &rng)
        ffn2 = Linear("\(name).ffn2", input: f, output: d, rng: &rng)
        norm2 = LayerNorm("\(name).norm2", width: d)
    }

    public var parameters: [Parameter] {
        query.parameters + key.parameters + value.parameters + output.parameters + norm1.parameters
            + ffn1.parameters + ffn2.parameters + norm2.parameters
    }

    /// The rest of the block after attention: `h = LN1(x + attn Wo)`, `y = LN2(h + FFN(h))`.
    /// x, attn `[S·n, d]` → `[S·n, d]`. The residual sums live inside the LayerNorm nodes and the
    /// FFN's ReLU inside its first linear (`Tape.linearReLU`), so the tape keeps neither the sums
    /// nor the pre-activation.
    func finish(_ tape: Tape, input x: Tape.Var, attention a: Tape.Var) -> Tape.Var {
        let h = norm1(tape, output(tape, a), residual: x)
        let hidden = tape.linearReLU(h, tape.parameter(ffn1.weight), tape.parameter(ffn1.bias!))
        return norm2(tape, ffn2(tape, hidden), residual: h)
    }
}
