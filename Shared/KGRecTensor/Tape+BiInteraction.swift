extension Tape {
    /// The Bi-Interaction aggregator as one node (KGAT): with `s = e + n` and `p = e ⊙ n`,
    /// `out = LeakyReLU(s W1 + b1) + LeakyReLU(p W2 + b2)`.
    /// e, n `[N, d_in]`; W1, W2 `[d_in, d_out]`; b1, b2 `[1, d_out]` → `[N, d_out]`.
    ///
    /// Stores only the pre-activations z1, z2 `[N, d_out]` (s and p are recomputed in backward), so a
    /// layer keeps 3 fewer `[N, d_in]` and 2 fewer `[N, d_out]` matrices than the composed ops.
    /// Backward: `g_k = dy ⊙ LeakyReLU′(z_k)`, `dW1 = sᵀ g1`, `dW2 = pᵀ g2`, `db_k = Σ_rows g_k`,
    /// `ds = g1 W1ᵀ`, `dp = g2 W2ᵀ`, `de = ds + dp ⊙ n`, `dn = ds + dp ⊙ e`.
    public func biInteraction(_ e: Var, _ n: Var, w1: Var, b1: Var, w2: Var, b2: Var, slope: Float) -> Var {
        precondition(e.rows == n.rows && e.cols == n.cols && w1.rows == e.cols && w2.rows == e.cols
                     && b1.cols == w1.cols && b2.cols == w2.cols, "biInteraction shape mismatch")
        let ev = value(e), nv = value(n), w1v = value(w1), w2v = value(w2)
        func preActivation(_ x: Matrix, _ w: Matrix, _ b: Matrix) -> Matrix {
            var z = GEMM.multiply(x, w)
            let cols = z.cols
            z.data.withUnsafeMutableBufferPointer { zp in
                b.data.withUnsafeBufferPointer { bp in
                    let Z = zp.baseAddress, B = bp.baseAddress!
                    guard let Z else { return }
                    Parallel.forRanges(x.rows, grain: 4096) { rows in
                        for r in rows { Kernels.axpy(1, B, Z + r * cols, cols) }
                    }
                }
            }
            return z
        }
        let z1 = preActivation(Kernels.zip(ev, nv) { $0 + $1 }, w1v, value(b1))
        let z2 = preActivation(Kernels.zip(ev, nv) { $0 * $1 }, w2v, value(b2))
        let out = Kernels.zip(z1, z2) { Kernels.leaky($0, slope) + Kernels.leaky($1, slope) }
        return op(out, [e, n, w1, b1, w2, b2]) { t, dy in
            let g1 = Kernels.zip(dy, z1) { Kernels.leakyGrad($0, $1, slope) }
            let g2 = Kernels.zip(dy, z2) { Kernels.leakyGrad($0, $1, slope) }
            if t.wants(w1) { t.accumulate(w1, GEMM.multiply(Kernels.zip(ev, nv) { $0 + $1 }, g1, transA: true)) }
            if t.wants(w2) { t.accumulate(w2, GEMM.multiply(Kernels.zip(ev, nv) { $0 * $1 }, g2, transA: true)) }
            if t.wants(b1) { t.accumulate(b1, g1.columnSums()) }
            if t.wants(b2) { t.accumulate(b2, g2.columnSums()) }
            guard t.wants(e) || t.wants(n) else { return }
            let ds = GEMM.multiply(g1, w1v, transB: true), dp = GEMM.multiply(g2, w2v, transB: true)
            if t.wants(e) { t.accumulate(e, Kernels.zip(ds, Kernels.zip(dp, nv) { $0 * $1 }) { $0 + $1 }) }
            if t.wants(n) { t.accumulate(n, Kernels.zip(ds, Kernels.zip(dp, ev) { $0 * $1 }) { $0 + $1 }) }
        }
    }
}
