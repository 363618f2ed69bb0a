extension Tape {
    /// The Bi-Interaction aggregator as one node (KGAT): with `s = e + n` and `p = e ⊙ n`,
    /// `out = LeakyReLU(s W1 + b1) + LeakyReLU(p W2 + b2)`.
    /// e, n `[N, d_in]`; W1, W2 `[d_in, d_out]`; b1, b2 `[1, d_out]` → `[N, d_out]`.
    ///
    /// Stores only the pre-activations z1, z2 `[N, d_out]` (s and p are recomputed in backward), so a
    /// layer keeps 3 fewer `[N, d_in]` and 2 fewer `[N, d_out]` matrices than the composed ops.
    /// Backward: `g_k = dy ⊙ LeakyReLU′(z_k)`, `dW1 = sᵀ g1`, `dW2 = pᵀ g2`, `db_k = Σ_rows g_k`,
    /// `ds = g1 W1ᵀ`, `dp = g2 W2ᵀ`, `de = ds + dp ⊙ n`, `dn = ds + dp ⊙ e`.
    /// Elementwise work is fused into single passes over both cores: (s, p); (bias, activation, sum);
    /// (g1, g2); (de, dn) written over (ds, dp).
    public func biInteraction(_ e: Var, _ n: Var, w1: Var, b1: Var, w2: Var, b2: Var, slope: Float) -> Var {
        precondition(e.rows == n.rows && e.cols == n.cols && w1.rows == e.cols && w2.rows == e.cols
                     && b1.cols == w1.cols && b2.cols == w2.cols && w1.cols == w2.cols, "biInteraction shape mismatch")
        let ev = value(e), nv = value(n), w1v = value(w1), w2v = value(w2)
        var (z1, z2) = Kernels.zip2(ev, nv) { ($0 + $1, $0 * $1) }
        z1 = GEMM.multiply(z1, w1v)
        z2 = GEMM.multiply(z2, w2v)
        let out = Kernels.biasedLeakySum(&z1, &z2, value(b1), value(b2), slope: slope)
        saved(floats: z1.count + z2.count)
        return op(out, [e, n, w1, b1, w2, b2]) { t, dy in
            let (g1, g2) = Kernels.zip3(dy, z1, z2) { y, a, b in
                (Kernels.leakyGrad(y, a, slope), Kernels.leakyGrad(y, b, slope))
            }
            if t.wants(w1) || t.wants(w2) {
                let (s, p) = Kernels.zip2(ev, nv) { ($0 + $1, $0 * $1) }
                if t.wants(w1) { t.accumulate(w1, GEMM.multiply(s, g1, transA: true)) }
                if t.wants(w2) { t.accumulate(w2, GEMM.multiply(p, g2, transA: true)) }
            }
            if t.wants(b1) { t.accumulate(b1, g1.columnSums()) }
            if t.wants(b2) { t.accumulate(b2, g2.columnSums()) }
            guard t.wants(e) || t.wants(n) else { return }
            var ds = GEMM.multiply(g1, w1v, transB: true), dp = GEMM.multiply(g2, w2v, transB: true)
            Kernels.updatePairs(&ds, &dp, ev, nv) { s, p, e, n in (s + p * n, s + p * e) }  // (de, dn)
            t.accumulate(e, ds)
            t.accumulate(n, dp)
        }
    }
}

extension Kernels {
    /// One pass: `(a[i], b[i]) = f(x[i], y[i])`, x and y the same shape, 16 lanes, both cores.
    @inline(__always)
    static func zip2(_ x: Matrix, _ y: Matrix,
                     _ f: (SIMD16<Float>, SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>)) -> (Matrix, Matrix) {
        var a = Matrix(uninitializedRows: x.rows, cols: x.cols), b = Matrix(uninitializedRows: x.rows, cols: x.cols)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeBufferPointer { yp in
                a.data.withUnsafeMutableBufferPointer { ap in
                    b.data.withUnsafeMutableBufferPointer { bp in
                        guard let X = xp.baseAddress, let Y = yp.baseAddress, let A = ap.baseAddress,
                              let B = bp.baseAddress else { return }
                        pairPass(x.count, X, Y, X, Y, A, B) { u, v, _, _ in f(u, v) }
                    }
                }
            }
        }
        return (a, b)
    }

    /// One pass: `(a[i], b[i]) = f(x[i], y[i], z[i])`, same shapes, 16 lanes, both cores.
    @inline(__always)
    static func zip3(_ x: Matrix, _ y: Matrix, _ z: Matrix,
                     _ f: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>)) -> (Matrix, Matrix) {
        precondition(x.count == y.count && x.count == z.count, "elementwise shape mismatch")
        var a = Matrix(uninitializedRows: x.rows, cols: x.cols), b = Matrix(uninitializedRows: x.rows, cols: x.cols)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeBufferPointer { yp in
                z.data.withUnsafeBufferPointer { zp in
                    a.data.withUnsafeMutableBufferPointer { ap in
                        b.data.withUnsafeMutableBufferPointer { bp in
                            guard let X = xp.baseAddress, let Y = yp.baseAddress, let Z = zp.baseAddress,
                                  let A = ap.baseAddress, let B = bp.baseAddress else { return }
                            pairPass(x.count, Y, Z, X, X, A, B) { v, w, u, _ in f(u, v, w) }
                        }
                    }
                }
            }
        }
        return (a, b)
    }

    /// One pass, in place: `(a[i], b[i]) = f(a[i], b[i], x[i], y[i])`, all the same shape.
    @inline(__always)
    static func updatePairs(_ a: inout Matrix, _ b: inout Matrix, _ x: Matrix, _ y: Matrix,
                            _ f: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>)) {
        precondition(a.count == b.count && a.count == x.count && a.count == y.count, "elementwise shape mismatch")
        let n = a.count
        a.data.withUnsafeMutableBufferPointer { ap in
            b.data.withUnsafeMutableBufferPointer { bp in
                x.data.withUnsafeBufferPointer { xp in
                    y.data.withUnsafeBufferPointer { yp in
                        guard let A = ap.baseAddress, let B = bp.baseAddress, let X = xp.baseAddress,
                              let Y = yp.baseAddress else { return }
                        pairPass(n, A, B, X, Y, A, B, f)
                    }
                }
            }
        }
    }

    /// `(outA[i], outB[i]) = f(a[i], b[i], x[i], y[i])` for i < n, 16 lanes (the tail zero-padded),
    /// split across the cores; the outputs may alias a and b.
    @inline(__always)
    static func pairPass(_ n: Int, _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>, _ X: UnsafePointer<Float>,
                         _ Y: UnsafePointer<Float>, _ OA: UnsafeMutablePointer<Float>, _ OB: UnsafeMutablePointer<Float>,
                         _ f: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) -> (SIMD16<Float>, SIMD16<Float>)) {
        Parallel.forRanges((n + 15) / 16, grain: grain / 16) { r in
            for blk in r {
                let i = blk * 16
                if i + 16 <= n {
                    let (u, v) = f(UnsafeRawPointer(A + i).loadUnaligned(as: SIMD16<Float>.self),
                                   UnsafeRawPointer(B + i).loadUnaligned(as: SIMD16<Float>.self),
                                   UnsafeRawPointer(X + i).loadUnaligned(as: SIMD16<Float>.self),
                                   UnsafeRawPointer(Y + i).loadUnaligned(as: SIMD16<Float>.self))
                    UnsafeMutableRawPointer(OA + i).storeBytes(of: u, as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(OB + i).storeBytes(of: v, as: SIMD16<Float>.self)
                } else {
                    var p = SIMD16<Float>(), q = SIMD16<Float>(), s = SIMD16<Float>(), t = SIMD16<Float>()
                    for k in 0..<(n - i) { p[k] = A[i + k]; q[k] = B[i + k]; s[k] = X[i + k]; t[k] = Y[i + k] }
                    let (u, v) = f(p, q, s, t)
                    for k in 0..<(n - i) { OA[i + k] = u[k]; OB[i + k] = v[k] }
                }
            }
        }
    }

    /// One pass over rows: `z1 += b1`, `z2 += b2` (broadcast over rows), and
    /// `out = LeakyReLU(z1) + LeakyReLU(z2)`. z1, z2 `[N, D]`; b1, b2 `[1, D]` → out `[N, D]`.
    static func biasedLeakySum(_ z1: inout Matrix, _ z2: inout Matrix, _ b1: Matrix, _ b2: Matrix,
                               slope: Float) -> Matrix {
        let d = z1.cols, rows = z1.rows
        var out = Matrix(uninitializedRows: rows, cols: d)
        z1.data.withUnsafeMutableBufferPointer { p1 in
            z2.data.withUnsafeMutableBufferPointer { p2 in
                out.data.withUnsafeMutableBufferPointer { po in
                    b1.data.withUnsafeBufferPointer { q1 in
                        b2.data.withUnsafeBufferPointer { q2 in
                            guard let Z1 = p1.baseAddress, let Z2 = p2.baseAddress, let O = po.baseAddress,
                                  let B1 = q1.baseAddress, let B2 = q2.baseAddress else { return }
                            Parallel.forRanges(rows, grain: max(1, grain / max(d, 1))) { r in
                                for row in r {
                                    let base = row * d
                                    var c = 0
                                    while c + 16 <= d {
                                        let u = UnsafeRawPointer(Z1 + base + c).loadUnaligned(as: SIMD16<Float>.self)
                                            + UnsafeRawPointer(B1 + c).loadUnaligned(as: SIMD16<Float>.self)
                                        let v = UnsafeRawPointer(Z2 + base + c).loadUnaligned(as: SIMD16<Float>.self)
                                            + UnsafeRawPointer(B2 + c).loadUnaligned(as: SIMD16<Float>.self)
                                        UnsafeMutableRawPointer(Z1 + base + c).storeBytes(of: u, as: SIMD16<Float>.self)
                                        UnsafeMutableRawPointer(Z2 + base + c).storeBytes(of: v, as: SIMD16<Float>.self)
                                        UnsafeMutableRawPointer(O + base + c).storeBytes(of: leaky(u, slope) + leaky(v, slope),
                                                                                         as: SIMD16<Float>.self)
                                        c += 16
                                    }
                                    while c < d {
                                        let u = Z1[base + c] + B1[c], v = Z2[base + c] + B2[c]
                                        Z1[base + c] = u; Z2[base + c] = v
                                        O[base + c] = (u > 0 ? u : slope * u) + (v > 0 ? v : slope * v)
                                        c += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
