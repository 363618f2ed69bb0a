import KGRecTensor

/// One bi-directional cross multi-head attention block (seed 001, §4.2.2) over C modality streams.
///
/// For stream c with input `x_c [S·n, d]`: `Q_c = x_c W_Q^c`, and keys/values are the per-sequence
/// concatenation of `K_m = x_m W_K^m`, `V_m = x_m W_V^m` over the streams `sources[c]` (own stream
/// first): `[S·n·|sources[c]|, d]`, passed to `Tape.attention` as parts (no concatenated copy). `head_c = MHA(Q_c, K, V)` with `heads` heads of width d/heads,
/// then residual + LayerNorm, FFN (ReLU) + residual + LayerNorm → `[S·n, d]`.
/// `sources[c] = [c, other]` is the paper's bi-directional fusion; `[c]` makes stream c a plain
/// self-attention transformer (one-direction ablations, a single modality).
public final class FusionBlock {
    public let streams: [FusionStream]
    public let heads: Int

    public init(_ name: String, channels: [String], width: Int, ffnWidth: Int, heads: Int,
                rng: inout Xoshiro256) {
        streams = channels.map { FusionStream("\(name).\($0)", width: width, ffnWidth: ffnWidth, rng: &rng) }
        self.heads = heads
    }

    public var parameters: [Parameter] { streams.flatMap(\.parameters) }

    /// xs: one `[S·n, d]` input per stream; keyMask `[S·n]` (valid sequence positions);
    /// sources[c]: streams whose keys/values stream c attends to. Returns one `[S·n, d]` per stream,
    /// or, with `queryRows` (`[S·q]` rows of xs, q per sequence), only those rows' outputs `[S·q, d]`
    /// (the last block needs position 0 only; keys and values still cover whole sequences).
    public func callAsFunction(_ tape: Tape, _ xs: [Tape.Var], sequences s: Int, keyMask: [Bool],
                               sources: [[Int]], queryRows: [Int32]? = nil) -> [Tape.Var] {
        let keys = zip(streams, xs).map { $0.key(tape, $1) }
        let values = zip(streams, xs).map { $0.value(tape, $1) }
        var outputs: [Tape.Var] = []
        for (c, stream) in streams.enumerated() {
            let input = queryRows.map { tape.gatherRows(xs[c], $0) } ?? xs[c]
            let q = stream.query(tape, input)
            var mask = keyMask
            for _ in sources[c].dropFirst() { mask = Self.concatMask(mask, keyMask, sequences: s) }
            let a = tape.attention(query: q, keys: sources[c].map { keys[$0] }, values: sources[c].map { values[$0] },
                                   heads: heads, sequences: s, keyMask: mask)
            outputs.append(stream.finish(tape, input: input, attention: a))
        }
        return outputs
    }

    /// Per-sequence concatenation of two masks `[S·n]`, `[S·m]` → `[S·(n+m)]`.
    static func concatMask(_ a: [Bool], _ b: [Bool], sequences s: Int) -> [Bool] {
        let n = a.count / s, m = b.count / s
        var out: [Bool] = []
        out.reserveCapacity(a.count + b.count)
        for q in 0..<s {
            out += a[q * n..<(q + 1) * n]
            out += b[q * m..<(q + 1) * m]
        }
        return out
    }
}
