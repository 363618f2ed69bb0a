import KGRecTensor

/// A linear layer's weight packed for inference, `y = x · Wᵀ + b`: W `[N, K]` (PyTorch `Linear`
/// layout) stored as N/16 column panels of `Wᵀ`, each `[K, 16]` contiguous, so the 6×16 FMA
/// micro-kernel streams one panel from L1 while six rows of x stay in registers. Threads split
/// the panels; rows go in groups of 48 so a group of x stays in L2 across panels.
struct PackedWeight: Sendable {
    let inputs: Int    // K
    let outputs: Int   // N (a multiple of 16)
    /// `[N/16][K][16]`: panel p, input kk, lane j = `W[16p + j, kk]`.
    let panels: [Float]
    let bias: [Float]  // [N]

    init(weight w: Matrix, bias: [Float]) {
        precondition(w.rows % 16 == 0 && bias.count == w.rows, "weight [\(w.rows), \(w.cols)], bias \(bias.count)")
        inputs = w.cols; outputs = w.rows
        let k = w.cols
        var p = [Float](repeating: 0, count: w.rows * k)
        for o in 0..<w.rows {
            let panel = o / 16, lane = o % 16
            for kk in 0..<k { p[(panel * k + kk) * 16 + lane] = w.data[o * k + kk] }
        }
        panels = p
        self.bias = bias
    }

    /// x `[M, K]` → `[M, N]` = x · Wᵀ + b, then exact GELU when `gelu`.
    func apply(_ x: Matrix, gelu: Bool = false) -> Matrix {
        precondition(x.cols == inputs, "x [\(x.rows), \(x.cols)] vs weight input width \(inputs)")
        let m = x.rows, k = inputs, n = outputs, panelCount = n / 16
        var y = Matrix(uninitializedRows: m, cols: n)
        if m == 0 { return y }
        x.data.withUnsafeBufferPointer { xp in
            panels.withUnsafeBufferPointer { pp in
                bias.withUnsafeBufferPointer { bp in
                    y.data.withUnsafeMutableBufferPointer { yp in
                        let X = xp.baseAddress!, P = pp.baseAddress!, B = bp.baseAddress!, Y = yp.baseAddress!
                        let grain = m * n * k < 1 << 18 ? panelCount : 1
                        Parallel.forRanges(panelCount, grain: grain) { range in
                            var g = 0
                            while g < m {
                                let end = min(m, g + 48)
                                for panel in range {
                                    let w = P + panel * k * 16
                                    let b = UnsafeRawPointer(B + panel * 16).loadUnaligned(as: SIMD16<Float>.self)
                                    var r = g
                                    while r + 6 <= end {
                                        Self.tile6(X + r * k, w, Y + r * n + panel * 16, k: k, n: n, bias: b, gelu: gelu)
                                        r += 6
                                    }
                                    while r < end {
                                        Self.tile1(X + r * k, w, Y + r * n + panel * 16, k: k, bias: b, gelu: gelu)
                                        r += 1
                                    }
                                }
                                g = end
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Six rows × one panel: `c[i, 0..<16] = Σ_p a[i, p] · w[p, 0..<16] + b`.
    @inline(__always)
    static func tile6(_ a: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      k: Int, n: Int, bias: SIMD16<Float>, gelu: Bool) {
        var c0 = bias, c1 = bias, c2 = bias, c3 = bias, c4 = bias, c5 = bias
        let a0 = a, a1 = a + k, a2 = a + 2 * k, a3 = a + 3 * k, a4 = a + 4 * k, a5 = a + 5 * k
        var wp = w
        for p in 0..<k {
            let v = UnsafeRawPointer(wp).loadUnaligned(as: SIMD16<Float>.self)
            c0.addProduct(a0[p], v)
            c1.addProduct(a1[p], v)
            c2.addProduct(a2[p], v)
            c3.addProduct(a3[p], v)
            c4.addProduct(a4[p], v)
            c5.addProduct(a5[p], v)
            wp += 16
        }
        if gelu {
            c0 = TextKernels.gelu(c0); c1 = TextKernels.gelu(c1); c2 = TextKernels.gelu(c2)
            c3 = TextKernels.gelu(c3); c4 = TextKernels.gelu(c4); c5 = TextKernels.gelu(c5)
        }
        UnsafeMutableRawPointer(c).storeBytes(of: c0, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(c + n).storeBytes(of: c1, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(c + 2 * n).storeBytes(of: c2, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(c + 3 * n).storeBytes(of: c3, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(c + 4 * n).storeBytes(of: c4, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(c + 5 * n).storeBytes(of: c5, as: SIMD16<Float>.self)
    }

    /// One row × one panel.
    @inline(__always)
    static func tile1(_ a: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      k: Int, bias: SIMD16<Float>, gelu: Bool) {
        var c0 = bias, c1 = SIMD16<Float>()
        var wp = w
        var p = 0
        while p + 2 <= k {
            c0.addProduct(a[p], UnsafeRawPointer(wp).loadUnaligned(as: SIMD16<Float>.self))
            c1.addProduct(a[p + 1], UnsafeRawPointer(wp + 16).loadUnaligned(as: SIMD16<Float>.self))
            wp += 32
            p += 2
        }
        if p < k { c0.addProduct(a[p], UnsafeRawPointer(wp).loadUnaligned(as: SIMD16<Float>.self)) }
        c0 += c1
        if gelu { c0 = TextKernels.gelu(c0) }
        UnsafeMutableRawPointer(c).storeBytes(of: c0, as: SIMD16<Float>.self)
    }
}
