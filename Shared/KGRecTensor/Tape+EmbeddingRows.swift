extension Tape {
    /// Rows `p.value[index[i]]` of an embedding table: p `[N, D]`, index `[B]` → `[B, D]`, equal to
    /// `gatherRows(parameter(p), index)` but row-sparse: the backward scatter-adds dy straight into
    /// `p.grad`'s rows and records them (`Parameter.touchedRows`), so a step's cost is O(B·D), not
    /// O(N·D) — no `[N, D]` gradient on the tape, and a lazy Adam updates only those rows.
    public func embeddingRows(_ p: Parameter, _ index: [Int32]) -> Var {
        let out = Kernels.gatherRows(p.value, index)
        return append(out, needsGrad: p.trainable, backward: { _, dy in
            Kernels.scatterAddRows(dy, index, into: &p.grad)
            p.markRows(index)
        }, name: "embeddingRows")
    }
}
