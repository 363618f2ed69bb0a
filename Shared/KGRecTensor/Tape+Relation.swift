extension Tape {
    /// Relation-specific projection `out[b] = W_{rel[b]} x[b]`: x `[B, d]`, w `[R·k, d]` (block r is
    /// the `[k, d]` matrix W_r), rel `[B]` → `[B, k]`.
    /// Backward: `dx[b] = W_rᵀ dy[b]`, `dW_r += dy[b] ⊗ x[b]`.
    public func relationProject(_ x: Var, _ w: Var, relations rel: [Int32], outputSize k: Int) -> Var {
        precondition(rel.count == x.rows && w.cols == x.cols && w.rows % k == 0, "relationProject shape")
        let d = x.cols, xv = value(x), wv = value(w)
        let out = Kernels.relationProject(xv, wv, rel, k: k)
        return op(out, [x, w]) { t, dy in
            if t.wants(x) {
                var dx = Matrix(rows: x.rows, cols: d)
                dx.data.withUnsafeMutableBufferPointer { gp in
                    dy.data.withUnsafeBufferPointer { yp in
                        wv.data.withUnsafeBufferPointer { wp in
                            let G = gp.baseAddress!, Y = yp.baseAddress!, W = wp.baseAddress!
                            Parallel.forRanges(x.rows, grain: 256) { rows in
                                for b in rows {  // dx_b = Σ_i dy[b, i] · W_r[i, :]
                                    let wr = W + Int(rel[b]) * k * d
                                    for i in 0..<k { Kernels.axpy(Y[b * k + i], wr + i * d, G + b * d, d) }
                                }
                            }
                        }
                    }
                }
                t.accumulate(x, dx)
            }
            if t.wants(w) {
                // Rows grouped by relation (counting sort) so each thread owns whole W_r blocks.
                let relationCount = w.rows / k
                var start = [Int](repeating: 0, count: relationCount + 1)
                for r in rel { start[Int(r) + 1] += 1 }
                for r in 0..<relationCount { start[r + 1] += start[r] }
                var fill = start
                var order = [Int](repeating: 0, count: rel.count)
                for (b, r) in rel.enumerated() { order[fill[Int(r)]] = b; fill[Int(r)] += 1 }
                t.withGradient(w) { dw in
                    dw.data.withUnsafeMutableBufferPointer { gp in
                        dy.data.withUnsafeBufferPointer { yp in
                            xv.data.withUnsafeBufferPointer { xp in
                                let G = gp.baseAddress!, Y = yp.baseAddress!, X = xp.baseAddress!
                                Parallel.forRanges(relationCount, grain: 1) { rs in
                                    for r in rs {
                                        let block = G + r * k * d
                                        for q in start[r]..<start[r + 1] {
                                            let b = order[q]
                                            for i in 0..<k { Kernels.axpy(Y[b * k + i], X + b * d, block + i * d, d) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

extension Kernels {
    /// `out[b] = W_{rel[b]} x[b]`: x `[B, d]`, w `[R·k, d]`, rel `[B]` → `[B, k]`.
    /// Each output is the scalar sum `Σ_c W[i, c]·x[c]` in c order (bit for bit); 16 outputs are
    /// accumulated at once from Wᵀ (`[R·d, k]`, transposed per call: R·k·d floats).
    public static func relationProject(_ x: Matrix, _ w: Matrix, _ rel: [Int32], k: Int) -> Matrix {
        let d = x.cols, relations = w.rows / k
        var wt = [Float](repeating: 0, count: w.count)
        for r in 0..<relations {
            for i in 0..<k { for c in 0..<d { wt[r * k * d + c * k + i] = w.data[r * k * d + i * d + c] } }
        }
        var out = Matrix(rows: x.rows, cols: k)
        out.data.withUnsafeMutableBufferPointer { op in
            x.data.withUnsafeBufferPointer { xp in
                wt.withUnsafeBufferPointer { wp in
                    let O = op.baseAddress!, X = xp.baseAddress!, WT = wp.baseAddress!
                    Parallel.forRanges(x.rows, grain: 256) { rows in
                        for b in rows {
                            let wr = WT + Int(rel[b]) * k * d, xr = X + b * d
                            var i = 0
                            while i + 16 <= k {
                                var acc = SIMD16<Float>()
                                for c in 0..<d {
                                    acc = acc + UnsafeRawPointer(wr + c * k + i).loadUnaligned(as: SIMD16<Float>.self)
                                        * SIMD16(repeating: xr[c])
                                }
                                UnsafeMutableRawPointer(O + b * k + i).storeBytes(of: acc, as: SIMD16<Float>.self)
                                i += 16
                            }
                            while i < k {
                                var s: Float = 0
                                for c in 0..<d { s += wr[c * k + i] * xr[c] }
                                O[b * k + i] = s
                                i += 1
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
