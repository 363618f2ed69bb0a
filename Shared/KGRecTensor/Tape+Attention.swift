extension Tape {
    /// Multi-head scaled dot-product attention over S independent sequences.
    ///
    /// q `[S·nq, D]`, k `[S·nk, D]`, v `[S·nk, D]`; head h uses columns `h·dₕ..<(h+1)·dₕ`,
    /// `dₕ = D / heads`. For sequence s and head h: `P = softmax(Q Kᵀ / sqrt(dₕ))` over the keys whose
    /// `keyMask[s·nk + j]` is true, `O = P V` → out `[S·nq, D]` (heads side by side, before the output
    /// projection). Backward: `dP = dO Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ = dS K / sqrt(dₕ)`,
    /// `dK = dSᵀ Q / sqrt(dₕ)`, `dV = Pᵀ dO`.
    public func attention(query q: Var, key k: Var, value v: Var, heads: Int, sequences s: Int,
                          keyMask: [Bool]? = nil) -> Var {
        let d = q.cols
        precondition(k.cols == d && v.cols == d && d % heads == 0 && q.rows % s == 0 && k.rows % s == 0
                     && v.rows == k.rows, "attention shape mismatch")
        let nq = q.rows / s, nk = k.rows / s, dh = d / heads
        let scale = 1 / Float(dh).squareRoot()
        let qv = value(q), kv = value(k), vv = value(v)
        var probs = [Float](repeating: 0, count: s * heads * nq * nk)
        var out = Matrix(rows: q.rows, cols: d)
        probs.withUnsafeMutableBufferPointer { pp in
          out.data.withUnsafeMutableBufferPointer { op in
            qv.data.withUnsafeBufferPointer { qp in
              kv.data.withUnsafeBufferPointer { kp in
                vv.data.withUnsafeBufferPointer { vp in
                let P = pp.baseAddress!, O = op.baseAddress!
                let Qd = qp.baseAddress!, Kd = kp.baseAddress!, Vd = vp.baseAddress!
                Parallel.forRanges(s, grain: 16) { seqs in
                    for sq in seqs {
                        for h in 0..<heads {
                            for i in 0..<nq {
                                let qrow = (sq * nq + i) * d + h * dh
                                let prow = P + ((sq * heads + h) * nq + i) * nk
                                var mx = -Float.infinity
                                for j in 0..<nk {
                                    if let keyMask, !keyMask[sq * nk + j] { prow[j] = -.infinity; continue }
                                    let krow = (sq * nk + j) * d + h * dh
                                    let dot = Kernels.dot(Qd + qrow, Kd + krow, dh)
                                    prow[j] = dot * scale
                                    mx = max(mx, prow[j])
                                }
                                var sum: Float = 0
                                for j in 0..<nk {
                                    let e = prow[j] == -.infinity ? 0 : Kernels.exp(prow[j] - mx)
                                    prow[j] = e; sum += e
                                }
                                let inv = sum > 0 ? 1 / sum : 0
                                let orow = O + (sq * nq + i) * d + h * dh
                                if dh == 8 {
                                    // The output row in a register (the same adds as `axpy`, no
                                    // store-to-load chain through memory per key).
                                    var acc = SIMD8<Float>()
                                    for j in 0..<nk {
                                        prow[j] *= inv
                                        let p = prow[j]
                                        if p == 0 { continue }
                                        let vrow: UnsafePointer<Float> = Vd + ((sq * nk + j) * d + h * dh)
                                        let v = UnsafeRawPointer(vrow).loadUnaligned(as: SIMD8<Float>.self)
                                        acc += p * v
                                    }
                                    UnsafeMutableRawPointer(orow).storeBytes(of: acc, as: SIMD8<Float>.self)
                                    continue
                                }
                                for j in 0..<nk {
                                    prow[j] *= inv
                                    let p = prow[j]
                                    if p == 0 { continue }
                                    Kernels.axpy(p, Vd + (sq * nk + j) * d + h * dh, orow, dh)
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
        return op(out, [q, k, v]) { t, dy in
            var dq = Matrix(rows: q.rows, cols: d), dk = Matrix(rows: k.rows, cols: d)
            var dv = Matrix(rows: v.rows, cols: d)
            dq.data.withUnsafeMutableBufferPointer { dqp in
                dk.data.withUnsafeMutableBufferPointer { dkp in
                    dv.data.withUnsafeMutableBufferPointer { dvp in
                        let DQ = dqp.baseAddress!, DK = dkp.baseAddress!, DV = dvp.baseAddress!
                        probs.withUnsafeBufferPointer { pp in
                        dy.data.withUnsafeBufferPointer { yp in
                        qv.data.withUnsafeBufferPointer { qp in
                        kv.data.withUnsafeBufferPointer { kp in
                        vv.data.withUnsafeBufferPointer { vp in
                        let P = pp.baseAddress!, Y = yp.baseAddress!
                        let Qd = qp.baseAddress!, Kd = kp.baseAddress!, Vd = vp.baseAddress!
                        Parallel.forRanges(s, grain: 16) { seqs in
                            var ds = [Float](repeating: 0, count: nk)
                            for sq in seqs {
                                for h in 0..<heads {
                                    for i in 0..<nq {
                                        let prow = ((sq * heads + h) * nq + i) * nk
                                        let orow = (sq * nq + i) * d + h * dh
                                        var dot: Float = 0
                                        for j in 0..<nk {
                                            let p = P[prow + j]
                                            let vrow = (sq * nk + j) * d + h * dh
                                            let dp = Kernels.dot(Y + orow, Vd + vrow, dh)
                                            if p != 0 { Kernels.axpy(p, Y + orow, DV + vrow, dh) }
                                            ds[j] = dp
                                            dot += dp * p
                                        }
                                        for j in 0..<nk {
                                            let g = P[prow + j] * (ds[j] - dot) * scale
                                            if g == 0 { continue }
                                            let krow = (sq * nk + j) * d + h * dh
                                            Kernels.axpy(g, Kd + krow, DQ + orow, dh)
                                            Kernels.axpy(g, Qd + orow, DK + krow, dh)
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
                }
            }
            t.accumulate(q, dq); t.accumulate(k, dk); t.accumulate(v, dv)
        }
    }
}
