extension Tape {
    /// Softmax of each row: `[B, D]` → `[B, D]`. Backward: `dx = y ⊙ (dy − Σ_row y⊙dy)`.
    public func softmaxRows(_ x: Var) -> Var {
        let d = x.cols
        var y = value(x)
        for r in 0..<x.rows {
            var mx = -Float.infinity
            for c in 0..<d { mx = max(mx, y.data[r * d + c]) }
            var s: Float = 0
            for c in 0..<d { let e = Kernels.exp(y.data[r * d + c] - mx); y.data[r * d + c] = e; s += e }
            for c in 0..<d { y.data[r * d + c] /= s }
        }
        return op(y, [x]) { t, dy in
            var dx = Matrix(rows: x.rows, cols: d)
            for r in 0..<x.rows {
                var s: Float = 0
                for c in 0..<d { s += y.data[r * d + c] * dy.data[r * d + c] }
                for c in 0..<d { dx.data[r * d + c] = y.data[r * d + c] * (dy.data[r * d + c] - s) }
            }
            t.accumulate(x, dx)
        }
    }

    /// LayerNorm over each row: `y = γ ⊙ (x − μ)/σ + β`, σ = sqrt(var + eps); x `[B, D]`, γ, β `[1, D]`.
    /// Backward: `dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂)) / σ` with `dx̂ = dy ⊙ γ`.
    public func layerNorm(_ x: Var, gamma: Var, beta: Var, eps: Float = 1e-5) -> Var {
        precondition(gamma.cols == x.cols && beta.cols == x.cols, "layerNorm shape mismatch")
        let d = x.cols, b = x.rows
        let gv = value(gamma), bv = value(beta)
        var xhat = value(x)
        var invStd = [Float](repeating: 0, count: b)
        var y = Matrix(rows: b, cols: d)
        xhat.data.withUnsafeMutableBufferPointer { hp in
            y.data.withUnsafeMutableBufferPointer { yp in
                invStd.withUnsafeMutableBufferPointer { sp in
                    let H = hp.baseAddress!, Y = yp.baseAddress!, S = sp.baseAddress!
                    Parallel.forRanges(b, grain: 1024) { rows in
                        for r in rows {
                            let row = H + r * d
                            var mu: Float = 0
                            for c in 0..<d { mu += row[c] }
                            mu /= Float(d)
                            var v: Float = 0
                            for c in 0..<d { let z = row[c] - mu; v += z * z }
                            let inv = 1 / (v / Float(d) + eps).squareRoot()
                            S[r] = inv
                            for c in 0..<d {
                                row[c] = (row[c] - mu) * inv
                                Y[r * d + c] = gv.data[c] * row[c] + bv.data[c]
                            }
                        }
                    }
                }
            }
        }
        return op(y, [x, gamma, beta]) { t, dy in
            if t.wants(beta) { t.accumulate(beta, dy.columnSums()) }
            if t.wants(gamma) {
                var g = Matrix(rows: 1, cols: d)
                for r in 0..<b { for c in 0..<d { g.data[c] += dy.data[r * d + c] * xhat.data[r * d + c] } }
                t.accumulate(gamma, g)
            }
            guard t.wants(x) else { return }
            var dx = Matrix(rows: b, cols: d)
            dx.data.withUnsafeMutableBufferPointer { gp in
                let G = gp.baseAddress!
                Parallel.forRanges(b, grain: 1024) { rows in
                    for r in rows {
                        var m1: Float = 0, m2: Float = 0
                        for c in 0..<d {
                            let dh = dy.data[r * d + c] * gv.data[c]
                            m1 += dh
                            m2 += dh * xhat.data[r * d + c]
                        }
                        m1 /= Float(d); m2 /= Float(d)
                        for c in 0..<d {
                            let dh = dy.data[r * d + c] * gv.data[c]
                            G[r * d + c] = (dh - m1 - xhat.data[r * d + c] * m2) * invStd[r]
                        }
                    }
                }
            }
            t.accumulate(x, dx)
        }
    }
}
