extension Tape {
    /// `x · w`: x `[B, K]`, w `[K, N]` → `[B, N]`. Backward: `dx = dy·wᵀ`, `dw = xᵀ·dy`.
    public func matmul(_ x: Var, _ w: Var) -> Var {
        let xv = value(x), wv = value(w)
        return op(GEMM.multiply(xv, wv), [x, w]) { t, dy in
            if t.wants(x) { t.accumulate(x, GEMM.multiply(dy, wv, transB: true)) }
            if t.wants(w) { t.accumulate(w, GEMM.multiply(xv, dy, transA: true)) }
        }
    }

    /// `x + b` with b `[1, N]` broadcast over the rows of x `[B, N]`. Backward: `db = Σ_rows dy`.
    public func addRow(_ x: Var, _ b: Var) -> Var {
        precondition(b.rows == 1 && b.cols == x.cols, "addRow shape mismatch")
        var out = value(x)
        let bv = value(b), n = x.cols
        out.data.withUnsafeMutableBufferPointer { o in
            bv.data.withUnsafeBufferPointer { bp in
                let O = o.baseAddress!, Bp = bp.baseAddress!
                Parallel.forRanges(x.rows, grain: 4096) { rows in
                    for r in rows { for c in 0..<n { O[r * n + c] += Bp[c] } }
                }
            }
        }
        return op(out, [x, b]) { t, dy in
            t.accumulate(x, dy)
            if t.wants(b) { t.accumulate(b, dy.columnSums()) }
        }
    }

    /// `x · w + b`: x `[B, K]`, w `[K, N]`, b `[1, N]` → `[B, N]`, one node (the bias is added in
    /// place to the product). Backward: `dx = dy·wᵀ`, `dw = xᵀ·dy`, `db = Σ_rows dy`.
    public func linear(_ x: Var, _ w: Var, _ b: Var?) -> Var {
        guard let b else { return matmul(x, w) }
        precondition(b.rows == 1 && b.cols == w.cols, "linear bias shape mismatch")
        let xv = value(x), wv = value(w), bv = value(b), n = w.cols
        var out = GEMM.multiply(xv, wv)
        out.data.withUnsafeMutableBufferPointer { o in
            bv.data.withUnsafeBufferPointer { bp in
                let O = o.baseAddress, Bp = bp.baseAddress!
                guard let O else { return }
                Parallel.forRanges(x.rows, grain: 4096) { rows in
                    for r in rows { Kernels.axpy(1, Bp, O + r * n, n) }
                }
            }
        }
        return op(out, [x, w, b]) { t, dy in
            if t.wants(x) { t.accumulate(x, GEMM.multiply(dy, wv, transB: true)) }
            if t.wants(w) { t.accumulate(w, GEMM.multiply(xv, dy, transA: true)) }
            if t.wants(b) { t.accumulate(b, dy.columnSums()) }
        }
    }

    /// `ReLU(x · w + b)` as one node: x `[B, K]`, w `[K, N]`, b `[1, N]` → `[B, N]`. Stores only the
    /// output (ReLU′ is `out > 0`), not the pre-activation; the same arithmetic as `relu(linear(…))`.
    /// Backward: `g = dy ⊙ [out > 0]`, `dx = g·wᵀ`, `dw = xᵀ·g`, `db = Σ_rows g`.
    public func linearReLU(_ x: Var, _ w: Var, _ b: Var) -> Var {
        precondition(b.rows == 1 && b.cols == w.cols, "linearReLU bias shape mismatch")
        let xv = value(x), wv = value(w), bv = value(b), n = w.cols
        var out = GEMM.multiply(xv, wv)
        out.data.withUnsafeMutableBufferPointer { o in
            bv.data.withUnsafeBufferPointer { bp in
                guard let O = o.baseAddress else { return }
                let Bp = bp.baseAddress!
                Parallel.forRanges(x.rows, grain: 4096) { rows in
                    for r in rows {
                        let row = O + r * n
                        for c in 0..<n { row[c] = max(row[c] + Bp[c], 0) }
                    }
                }
            }
        }
        return op(out, [x, w, b]) { t, dy in
            let g = Kernels.zip(dy, out) { $0.replacing(with: 0, where: $1 .<= 0) }
            if t.wants(x) { t.accumulate(x, GEMM.multiply(g, wv, transB: true)) }
            if t.wants(w) { t.accumulate(w, GEMM.multiply(xv, g, transA: true)) }
            if t.wants(b) { t.accumulate(b, g.columnSums()) }
        }
    }
}
