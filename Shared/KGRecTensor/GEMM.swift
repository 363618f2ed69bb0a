/// Dense matrix products, SIMD and split across cores.
///
/// `gemm(a, b)` computes `C = op(A) · op(B)` with `op(X) = X` or `Xᵀ`:
/// - `A·B`:   A `[M, K]`, B `[K, N]` → `[M, N]`;
/// - `Aᵀ·B`:  A `[K, M]`, B `[K, N]` → `[M, N]` (weight gradients: K is the batch, large);
/// - `A·Bᵀ`:  A `[M, K]`, B `[N, K]` → `[M, N]` (input gradients: B is a small weight).
///
/// Kernel: 4×16 register tiles (`SIMD16<Float>` accumulators, one broadcast of A per k) over rows
/// split between threads. `Aᵀ·B` with a long K accumulates rank-4 updates into per-thread partial
/// `[M, N]` results that are summed at the end.
public enum GEMM {
    /// `op(A) · op(B)`; see the type's documentation for shapes.
    public static func multiply(_ a: Matrix, _ b: Matrix, transA: Bool = false, transB: Bool = false) -> Matrix {
        switch (transA, transB) {
        case (false, false):
            precondition(a.cols == b.rows, "gemm A·B shape mismatch \(a.shape) \(b.shape)")
            var c = Matrix(uninitializedRows: a.rows, cols: b.cols)
            kernelAB(a, b, into: &c)
            return c
        case (false, true):
            precondition(a.cols == b.cols, "gemm A·Bᵀ shape mismatch \(a.shape) \(b.shape)")
            var c = Matrix(uninitializedRows: a.rows, cols: b.rows)
            kernelAB(a, b.transposed(), into: &c)
            return c
        case (true, false):
            precondition(a.rows == b.rows, "gemm Aᵀ·B shape mismatch \(a.shape) \(b.shape)")
            if a.rows >= 4 * max(a.cols, 64) {
                return kernelAtB(a, b)
            }
            var c = Matrix(rows: a.cols, cols: b.cols)
            kernelAB(a.transposed(), b, into: &c)
            return c
        case (true, true):
            return multiply(b, a, transA: false, transB: false).transposed()
        }
    }

    /// `C = A · B` (overwrites C). A `[M, K]`, B `[K, N]`, C `[M, N]`.
    static func kernelAB(_ a: Matrix, _ b: Matrix, into c: inout Matrix) {
        let m = a.rows, k = a.cols, n = b.cols
        if m == 0 || n == 0 { return }
        let rowBlocks = (m + 3) / 4
        let flops = m * n * k
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                c.data.withUnsafeMutableBufferPointer { cp in
                    let A = ap.baseAddress!, B = bp.baseAddress!, C = cp.baseAddress!
                    let grain = flops < 1 << 18 ? rowBlocks : max(1, rowBlocks / 64)
                    Parallel.forRanges(rowBlocks, grain: grain) { blocks in
                        for blk in blocks {
                            let i0 = blk * 4
                            let rowsHere = min(4, m - i0)
                            if rowsHere == 4 {
                                tile4(A + i0 * k, B, C + i0 * n, k: k, n: n)
                            } else {
                                for i in i0..<m { tile1(A + i * k, B, C + i * n, k: k, n: n) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Four rows of C: `C[0..4, :] = A[0..4, :] · B`, A rows at stride k, B/C rows at stride n.
    @inline(__always)
    static func tile4(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      k: Int, n: Int) {
        var j = 0
        while j + 16 <= n {
            var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
            var bj = b + j
            for p in 0..<k {
                let bv = UnsafeRawPointer(bj).loadUnaligned(as: SIMD16<Float>.self)
                c0 += a[p] * bv
                c1 += a[k + p] * bv
                c2 += a[2 * k + p] * bv
                c3 += a[3 * k + p] * bv
                bj += n
            }
            UnsafeMutableRawPointer(c + j).storeBytes(of: c0, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(c + n + j).storeBytes(of: c1, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(c + 2 * n + j).storeBytes(of: c2, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(c + 3 * n + j).storeBytes(of: c3, as: SIMD16<Float>.self)
            j += 16
        }
        while j + 8 <= n {
            var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
            var bj = b + j
            for p in 0..<k {
                let bv = UnsafeRawPointer(bj).loadUnaligned(as: SIMD8<Float>.self)
                c0 += a[p] * bv
                c1 += a[k + p] * bv
                c2 += a[2 * k + p] * bv
                c3 += a[3 * k + p] * bv
                bj += n
            }
            UnsafeMutableRawPointer(c + j).storeBytes(of: c0, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(c + n + j).storeBytes(of: c1, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(c + 2 * n + j).storeBytes(of: c2, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(c + 3 * n + j).storeBytes(of: c3, as: SIMD8<Float>.self)
            j += 8
        }
        while j < n {
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            for p in 0..<k {
                let bv = b[p * n + j]
                s0 += a[p] * bv; s1 += a[k + p] * bv; s2 += a[2 * k + p] * bv; s3 += a[3 * k + p] * bv
            }
            c[j] = s0; c[n + j] = s1; c[2 * n + j] = s2; c[3 * n + j] = s3
            j += 1
        }
    }

    /// One row of C: `C[0, :] = A[0, :] · B`.
    @inline(__always)
    static func tile1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      k: Int, n: Int) {
        var j = 0
        while j + 16 <= n {
            var c0 = SIMD16<Float>()
            for p in 0..<k {
                c0 += a[p] * UnsafeRawPointer(b + p * n + j).loadUnaligned(as: SIMD16<Float>.self)
            }
            UnsafeMutableRawPointer(c + j).storeBytes(of: c0, as: SIMD16<Float>.self)
            j += 16
        }
        while j < n {
            var s: Float = 0
            for p in 0..<k { s += a[p] * b[p * n + j] }
            c[j] = s
            j += 1
        }
    }

    /// `Aᵀ · B` for a long shared dimension: A `[K, M]`, B `[K, N]` → `[M, N]`.
    static func kernelAtB(_ a: Matrix, _ b: Matrix) -> Matrix {
        let kTotal = a.rows, m = a.cols, n = b.cols
        let chunks = kTotal * m * n < 1 << 18 ? 1 : Parallel.threadCount
        var partials = [Matrix](repeating: Matrix(rows: m, cols: n), count: chunks)
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                partials.withUnsafeMutableBufferPointer { pp in
                    let A = ap.baseAddress!, B = bp.baseAddress!
                    let P = pp.baseAddress!
                    Parallel.forChunks(kTotal, chunks: chunks) { chunk, range in
                        P[chunk].data.withUnsafeMutableBufferPointer { cp in
                            accumulateAtB(A, B, cp.baseAddress!, range: range, m: m, n: n)
                        }
                    }
                }
            }
        }
        var c = partials[0]
        for p in 1..<chunks { c.add(partials[p]) }
        return c
    }

    /// `C[M, N] += Σ_{p in range} A[p, :]ᵀ B[p, :]`, four p at a time.
    static func accumulateAtB(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                              range: Range<Int>, m: Int, n: Int) {
        var p = range.lowerBound
        let n16 = n & ~15
        while p + 4 <= range.upperBound {
            let a0 = a + p * m, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m
            let b0 = b + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n
            for i in 0..<m {
                let x0 = a0[i], x1 = a1[i], x2 = a2[i], x3 = a3[i]
                let ci = c + i * n
                var j = 0
                while j < n16 {
                    var acc = UnsafeRawPointer(ci + j).loadUnaligned(as: SIMD16<Float>.self)
                    acc += x0 * UnsafeRawPointer(b0 + j).loadUnaligned(as: SIMD16<Float>.self)
                    acc += x1 * UnsafeRawPointer(b1 + j).loadUnaligned(as: SIMD16<Float>.self)
                    acc += x2 * UnsafeRawPointer(b2 + j).loadUnaligned(as: SIMD16<Float>.self)
                    acc += x3 * UnsafeRawPointer(b3 + j).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(ci + j).storeBytes(of: acc, as: SIMD16<Float>.self)
                    j += 16
                }
                while j < n {
                    ci[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j]
                    j += 1
                }
            }
            p += 4
        }
        while p < range.upperBound {
            let ap = a + p * m, bp = b + p * n
            for i in 0..<m {
                let x = ap[i]
                for j in 0..<n { c[i * n + j] += x * bp[j] }
            }
            p += 1
        }
    }
}
