/// The right operand of a matrix product packed for the 6×16 FMA micro-kernel (issue 13's BERT
/// kernel; every `GEMM` product and the text encoder's linears use it).
///
/// B `[K, N]` is stored as ⌈N/16⌉ column panels, each `[K, 16]` contiguous (the last one padded with
/// zeros), so the micro-kernel streams one panel from L1 while six rows of A stay in twelve AVX
/// accumulators: per k, two panel loads, six broadcasts of A and twelve fused multiply-adds.
/// `multiply` splits A's rows between threads in groups of up to 48 (a group of A stays in L2
/// across the panels); the k-sum of every output element runs in order p = 0..<K whatever the
/// thread count, so results are bitwise-equal for any `Parallel.threadCount`.
public struct PackedPanels: Sendable {
    /// K: rows of B (the shared dimension).
    public let inputs: Int
    /// N: columns of B (the product's width).
    public let outputs: Int
    /// `[⌈N/16⌉][K][16]`: panel p, row kk, lane j = `B[kk, 16p + j]` (0 past N).
    let panels: [Float]

    var panelCount: Int { (outputs + 15) / 16 }

    /// Packs B `[K, N]`.
    public init(_ b: Matrix) {
        self.init(inputs: b.rows, outputs: b.cols) { kk, o in b.data[kk * b.cols + o] }
    }

    /// Packs B = Wᵀ given W `[N, K]` (PyTorch `Linear` layout; the B of `A·Bᵀ`), without a transposed copy.
    public init(transposed w: Matrix) {
        self.init(inputs: w.cols, outputs: w.rows) { kk, o in w.data[o * w.cols + kk] }
    }

    init(inputs k: Int, outputs n: Int, element: (Int, Int) -> Float) {
        inputs = k; outputs = n
        let count = (n + 15) / 16
        var p = [Float](repeating: 0, count: count * k * 16)
        for panel in 0..<count {
            for kk in 0..<k {
                let base = (panel * k + kk) * 16
                for lane in 0..<min(16, n - panel * 16) { p[base + lane] = element(kk, panel * 16 + lane) }
            }
        }
        panels = p
    }

    /// a `[M, K]` → `[M, N]` = a · B (+ bias `[N]` on every row), then `activation` on each 16-lane
    /// group of outputs (e.g. GELU; it sees the padding lanes of the last panel, which are dropped).
    /// `fused`: each step `c += a·b` is one fused multiply-add (one rounding); without it, a multiply
    /// then an add — the rounding of the earlier 4×16 training kernel, so `GEMM` products (and the
    /// seeded training results pinned on them) stay bitwise what they were.
    public func multiply(_ a: Matrix, bias: [Float]? = nil, fused: Bool = true,
                         activation: ((SIMD16<Float>) -> SIMD16<Float>)? = nil) -> Matrix {
        precondition(a.cols == inputs, "packed product: A [\(a.rows), \(a.cols)] vs B [\(inputs), \(outputs)]")
        precondition(bias.map { $0.count == outputs } ?? true, "packed product: bias \(bias!.count) vs width \(outputs)")
        let m = a.rows, k = inputs, n = outputs
        var c = Matrix(uninitializedRows: m, cols: n)
        if m == 0 || n == 0 { return c }
        if k == 0 {
            for r in 0..<m { for j in 0..<n { c.data[r * n + j] = bias?[j] ?? 0 } }
            return c
        }
        // Bias padded to whole panels ([⌈N/16⌉·16], zeros past N).
        var start = [Float](repeating: 0, count: panelCount * 16)
        if let bias { start.replaceSubrange(0..<n, with: bias) }
        let threads = Parallel.threadCount
        // Rows per group: 48 when there is enough work for every thread, else down to 6.
        let group = m >= 48 * 2 * threads ? 48 : max(6, (m / (2 * threads) + 5) / 6 * 6)
        let groups = (m + group - 1) / group
        let grain = m * n * k < 1 << 18 ? groups : 1
        a.data.withUnsafeBufferPointer { ap in
            panels.withUnsafeBufferPointer { pp in
                start.withUnsafeBufferPointer { sp in
                    c.data.withUnsafeMutableBufferPointer { cp in
                        let A = ap.baseAddress!, P = pp.baseAddress!, S = sp.baseAddress!, C = cp.baseAddress!
                        Parallel.forRanges(groups, grain: grain) { range in
                            for g in range {
                                let rows = g * group..<min(m, (g + 1) * group)
                                Self.rows(A, lda: k, rows: rows, panels: P, panelCount: panelCount, k: k,
                                          C, ldc: n, width: n, start: S, fused: fused, activation: activation)
                            }
                        }
                    }
                }
            }
        }
        return c
    }

    /// Rows `rows` of C `[·, width]` (stride ldc) from the same rows of A (stride lda) times every panel.
    /// Single-threaded; `start` is the bias padded to whole panels (the accumulators' initial values).
    static func rows(_ a: UnsafePointer<Float>, lda: Int, rows: Range<Int>, panels: UnsafePointer<Float>,
                     panelCount: Int, k: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int, width: Int,
                     start: UnsafePointer<Float>, fused: Bool, activation: ((SIMD16<Float>) -> SIMD16<Float>)?) {
        for panel in 0..<panelCount {
            let w = panels + panel * k * 16
            let lanes = min(16, width - panel * 16)
            var r = rows.lowerBound
            while r + 6 <= rows.upperBound {
                tile6(a + r * lda, lda: lda, w, k: k, c + r * ldc + panel * 16, ldc: ldc, lanes: lanes,
                      start: start, panel: panel, fused: fused, activation: activation)
                r += 6
            }
            while r < rows.upperBound {
                tile1(a + r * lda, w, k: k, c + r * ldc + panel * 16, lanes: lanes, start: start, panel: panel,
                      fused: fused, activation: activation)
                r += 1
            }
        }
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self); return }
        for j in 0..<lanes { p[j] = v[j] }
    }

    @inline(__always)
    static func initial(_ start: UnsafePointer<Float>, panel: Int) -> SIMD16<Float> {
        UnsafeRawPointer(start + panel * 16).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Six rows × one panel: `c[i, 0..<16] = start + Σ_p a[i, p] · w[p, 0..<16]`.
    @inline(__always)
    static func tile6(_ a: UnsafePointer<Float>, lda: Int, _ w: UnsafePointer<Float>, k: Int,
                      _ c: UnsafeMutablePointer<Float>, ldc: Int, lanes: Int, start: UnsafePointer<Float>, panel: Int, fused: Bool,
                      activation: ((SIMD16<Float>) -> SIMD16<Float>)?) {
        var c0 = initial(start, panel: panel)
        var c1 = initial(start, panel: panel)
        var c2 = initial(start, panel: panel)
        var c3 = initial(start, panel: panel)
        var c4 = initial(start, panel: panel)
        var c5 = initial(start, panel: panel)
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var wp = w
        if fused {
            for p in 0..<k {
                let v = UnsafeRawPointer(wp).loadUnaligned(as: SIMD16<Float>.self)
                c0.addProduct(a0[p], v); c1.addProduct(a1[p], v); c2.addProduct(a2[p], v)
                c3.addProduct(a3[p], v); c4.addProduct(a4[p], v); c5.addProduct(a5[p], v)
                wp += 16
            }
        } else {
            for p in 0..<k {
                let v = UnsafeRawPointer(wp).loadUnaligned(as: SIMD16<Float>.self)
                c0 += a0[p] * v; c1 += a1[p] * v; c2 += a2[p] * v
                c3 += a3[p] * v; c4 += a4[p] * v; c5 += a5[p] * v
                wp += 16
            }
        }
        if let activation {
            c0 = activation(c0); c1 = activation(c1); c2 = activation(c2)
            c3 = activation(c3); c4 = activation(c4); c5 = activation(c5)
        }
        store(c0, c, lanes: lanes)
        store(c1, c + ldc, lanes: lanes)
        store(c2, c + 2 * ldc, lanes: lanes)
        store(c3, c + 3 * ldc, lanes: lanes)
        store(c4, c + 4 * ldc, lanes: lanes)
        store(c5, c + 5 * ldc, lanes: lanes)
    }

    /// One row × one panel (same k order as `tile6`, so a row's result does not depend on its tile).
    @inline(__always)
    static func tile1(_ a: UnsafePointer<Float>, _ w: UnsafePointer<Float>, k: Int, _ c: UnsafeMutablePointer<Float>,
                      lanes: Int, start: UnsafePointer<Float>, panel: Int, fused: Bool,
                      activation: ((SIMD16<Float>) -> SIMD16<Float>)?) {
        var c0 = initial(start, panel: panel)
        var wp = w
        for p in 0..<k {
            let v = UnsafeRawPointer(wp).loadUnaligned(as: SIMD16<Float>.self)
            if fused { c0.addProduct(a[p], v) } else { c0 += a[p] * v }
            wp += 16
        }
        if let activation { c0 = activation(c0) }
        store(c0, c, lanes: lanes)
    }
}
