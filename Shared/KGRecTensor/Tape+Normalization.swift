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
    /// Backward: `dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂)) / σ` with `dx̂ = dy ⊙ γ`; `dγ = Σ_rows dy ⊙ x̂`,
    /// `dβ = Σ_rows dy`, summed in fixed blocks of rows (`LayerNormRows.blocks`) then in block order,
    /// so the result does not depend on the thread count. Rows are processed 16 columns at a time.
    ///
    /// With `residual` r (`[B, D]`) it normalises `x + r` in the same node (the sum is not stored) and
    /// both inputs get the same gradient dx: the arithmetic of `layerNorm(add(x, r), …)`, one
    /// `[B, D]` matrix and one pass fewer.
    public func layerNorm(_ x: Var, residual: Var? = nil, gamma: Var, beta: Var, eps: Float = 1e-5) -> Var {
        precondition(gamma.cols == x.cols && beta.cols == x.cols, "layerNorm shape mismatch")
        precondition(residual.map { $0.rows == x.rows && $0.cols == x.cols } ?? true, "layerNorm residual shape mismatch")
        let d = x.cols, b = x.rows
        let gv = value(gamma), bv = value(beta)
        let xv = residual.map { Kernels.zip(value(x), value($0)) { $0 + $1 } } ?? value(x)
        var xhat = Matrix(uninitializedRows: b, cols: d)
        var invStd = [Float](repeating: 0, count: b)
        var y = Matrix(uninitializedRows: b, cols: d)
        xv.data.withUnsafeBufferPointer { xp in
          xhat.data.withUnsafeMutableBufferPointer { hp in
            y.data.withUnsafeMutableBufferPointer { yp in
              invStd.withUnsafeMutableBufferPointer { sp in
                gv.data.withUnsafeBufferPointer { gp in
                  bv.data.withUnsafeBufferPointer { bp in
                    guard let X = xp.baseAddress, let H = hp.baseAddress, let Y = yp.baseAddress else { return }
                    let S = sp.baseAddress!, G = gp.baseAddress!, B = bp.baseAddress!
                    Parallel.forRanges(b, grain: 1024) { rows in
                        for r in rows {
                            S[r] = LayerNormRows.normalize(X + r * d, d, eps: eps, xhat: H + r * d,
                                                           y: Y + r * d, gamma: G, beta: B)
                        }
                    }
                  }
                }
              }
            }
          }
        }
        saved(floats: xhat.count + invStd.count)
        return op(y, [x, gamma, beta] + (residual.map { [$0] } ?? [])) { t, dy in
            let blocks = LayerNormRows.blocks(b)
            // Per block of rows: [dγ | dβ] partial sums, [blocks, 2·D].
            var partials = [Float](repeating: 0, count: blocks.count * 2 * d)
            let wantsX = t.wants(x) || residual.map { t.wants($0) } == true
            var dx = Matrix(uninitializedRows: wantsX ? b : 0, cols: d)
            dy.data.withUnsafeBufferPointer { dp in
              xhat.data.withUnsafeBufferPointer { hp in
                gv.data.withUnsafeBufferPointer { gp in
                  dx.data.withUnsafeMutableBufferPointer { xp in
                    partials.withUnsafeMutableBufferPointer { pp in
                      guard let D = dp.baseAddress, let H = hp.baseAddress else { return }
                      let G = gp.baseAddress!, P = pp.baseAddress!, X = xp.baseAddress
                      Parallel.forRanges(blocks.count) { range in
                        for k in range {
                            let part = P + k * 2 * d
                            for r in blocks[k] {
                                LayerNormRows.backward(D + r * d, xhat: H + r * d, d, invStd: invStd[r], gamma: G,
                                                       dx: wantsX ? X! + r * d : nil, gammaSum: part,
                                                       betaSum: part + d)
                            }
                        }
                      }
                    }
                  }
                }
              }
            }
            var dg = Matrix(rows: 1, cols: d), db = Matrix(rows: 1, cols: d)
            for k in 0..<blocks.count {
                for c in 0..<d { dg.data[c] += partials[k * 2 * d + c]; db.data[c] += partials[k * 2 * d + d + c] }
            }
            if t.wants(beta) { t.accumulate(beta, db) }
            if t.wants(gamma) { t.accumulate(gamma, dg) }
            if wantsX {
                t.accumulate(x, dx)
                if let residual { t.accumulate(residual, dx) }
            }
        }
    }
}

/// The per-row loops of `Tape.layerNorm`, 16 columns at a time (a scalar tail past the last 16).
enum LayerNormRows {
    /// Fixed blocks of 1,024 rows (the parameter-gradient partial sums; independent of the threads).
    static func blocks(_ rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: 1024).map { $0..<min($0 + 1024, rows) }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always) static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// x̂ and y of one row of d; returns 1/σ.
    @inline(__always)
    static func normalize(_ x: UnsafePointer<Float>, _ d: Int, eps: Float, xhat: UnsafeMutablePointer<Float>,
                          y: UnsafeMutablePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>) -> Float {
        let d16 = d & ~15
        var acc = SIMD16<Float>()
        var c = 0
        while c < d16 { acc += load(x + c); c += 16 }
        var sum = FastMath.horizontalSum(acc)
        while c < d { sum += x[c]; c += 1 }
        let mu = sum / Float(d)
        acc = .zero
        c = 0
        while c < d16 { let z = load(x + c) - mu; acc += z * z; c += 16 }
        var v = FastMath.horizontalSum(acc)
        while c < d { let z = x[c] - mu; v += z * z; c += 1 }
        let inv = 1 / (v / Float(d) + eps).squareRoot()
        c = 0
        while c < d16 {
            let h = (load(x + c) - mu) * inv
            store(h, xhat + c)
            store(load(gamma + c) * h + load(beta + c), y + c)
            c += 16
        }
        while c < d {
            let h = (x[c] - mu) * inv
            xhat[c] = h
            y[c] = gamma[c] * h + beta[c]
            c += 1
        }
        return inv
    }

    /// One row's dx (when `dx` is given) and its terms of `Σ dy ⊙ x̂` and `Σ dy`.
    @inline(__always)
    static func backward(_ dy: UnsafePointer<Float>, xhat: UnsafePointer<Float>, _ d: Int, invStd: Float,
                         gamma: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         gammaSum: UnsafeMutablePointer<Float>, betaSum: UnsafeMutablePointer<Float>) {
        let d16 = d & ~15
        var a1 = SIMD16<Float>(), a2 = SIMD16<Float>()
        var c = 0
        while c < d16 {
            let g = load(dy + c), h = load(xhat + c), dh = g * load(gamma + c)
            a1 += dh; a2 += dh * h
            store(load(gammaSum + c) + g * h, gammaSum + c)
            store(load(betaSum + c) + g, betaSum + c)
            c += 16
        }
        var m1 = FastMath.horizontalSum(a1), m2 = FastMath.horizontalSum(a2)
        while c < d {
            let dh = dy[c] * gamma[c]
            m1 += dh; m2 += dh * xhat[c]
            gammaSum[c] += dy[c] * xhat[c]
            betaSum[c] += dy[c]
            c += 1
        }
        guard let dx else { return }
        m1 /= Float(d); m2 /= Float(d)
        c = 0
        while c < d16 {
            let dh = load(dy + c) * load(gamma + c)
            store((dh - m1 - load(xhat + c) * m2) * invStd, dx + c)
            c += 16
        }
        while c < d {
            dx[c] = (dy[c] * gamma[c] - m1 - xhat[c] * m2) * invStd
            c += 1
        }
    }
}
