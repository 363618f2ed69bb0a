extension Tape {
    /// InfoNCE (seed 000's `L_MI`) of anchors against a shared candidate pool: anchors a `[B, D]`,
    /// candidates c `[C, D]`, `positives[k]` the row of c aligned with anchor k (every other row is a
    /// negative of anchor k: in-batch, sampled and hard negatives alike) → `[1, 1]`
    /// `mean_k ( log Σ_j exp(s_kj) − s_k,p(k) )`, `s = a·cᵀ / τ`.
    /// Backward: `dS = (softmax(S) − onehot(p)) / B`, `da = dS·c / τ`, `dc = dSᵀ·a / τ`.
    public func infoNCE(anchors a: Var, candidates c: Var, positives: [Int32], temperature tau: Float) -> Var {
        precondition(a.cols == c.cols && positives.count == a.rows && tau > 0, "infoNCE shapes")
        precondition(positives.allSatisfy { $0 >= 0 && Int($0) < c.rows }, "infoNCE positive out of range")
        let av = value(a), cv = value(c)
        var p = GEMM.multiply(av, cv, transB: true)  // [B, C]: s·τ, then the softmax in place
        let n = c.rows, inv = 1 / tau
        var total = 0.0
        for k in 0..<a.rows {
            var mx = -Float.infinity
            for j in 0..<n { p.data[k * n + j] *= inv; mx = max(mx, p.data[k * n + j]) }
            let positive = p.data[k * n + Int(positives[k])]
            var s: Float = 0
            for j in 0..<n { let e = Kernels.exp(p.data[k * n + j] - mx); p.data[k * n + j] = e; s += e }
            for j in 0..<n { p.data[k * n + j] /= s }
            total += Double(mx + logf(s) - positive)
        }
        let rows = max(1, a.rows)
        let loss = Matrix(rows: 1, cols: 1, data: [Float(total / Double(rows))])
        return op(loss, [a, c]) { t, dy in
            var ds = p
            for k in 0..<a.rows { ds.data[k * n + Int(positives[k])] -= 1 }
            let g = dy.data[0] * inv / Float(rows)
            for i in 0..<ds.count { ds.data[i] *= g }
            if t.wants(a) { t.accumulate(a, GEMM.multiply(ds, cv)) }
            if t.wants(c) { t.accumulate(c, GEMM.multiply(ds, av, transA: true)) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
