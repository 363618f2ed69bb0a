/// Dense matrix products, SIMD and split across cores.
///
/// `gemm(a, b)` computes `C = op(A) · op(B)` with `op(X) = X` or `Xᵀ`:
/// - `A·B`:   A `[M, K]`, B `[K, N]` → `[M, N]`;
/// - `Aᵀ·B`:  A `[K, M]`, B `[K, N]` → `[M, N]` (weight gradients: K is the batch, large);
/// - `A·Bᵀ`:  A `[M, K]`, B `[N, K]` → `[M, N]` (input gradients: B is a small weight).
///
/// Kernel: `PackedPanels` (B packed into 16-column panels, 6×16 register tiles, A's rows split
/// between threads) with a separate multiply and add per step (`fused: false`): bitwise the results
/// of the earlier 4×16 kernel, so seeded training runs are unchanged (with FMA the rounding changes
/// and the pinned synthetic ablation ordering flipped). `Aᵀ·B` with a long K (weight gradients) accumulates rank-4 updates into
/// per-thread partial `[M, N]` results that are summed at the end (measured: 45 GFLOP/s at
/// `[35571,64]ᵀ·[35571,64]`, against 14–32 for transposing and packing blocks of K).
public enum GEMM {
    /// `op(A) · op(B)`; see the type's documentation for shapes.
    public static func multiply(_ a: Matrix, _ b: Matrix, transA: Bool = false, transB: Bool = false) -> Matrix {
        switch (transA, transB) {
        case (false, false):
            precondition(a.cols == b.rows, "gemm A·B shape mismatch \(a.shape) \(b.shape)")
            return PackedPanels(b).multiply(a, fused: false)
        case (false, true):
            precondition(a.cols == b.cols, "gemm A·Bᵀ shape mismatch \(a.shape) \(b.shape)")
            return PackedPanels(transposed: b).multiply(a, fused: false)
        case (true, false):
            precondition(a.rows == b.rows, "gemm Aᵀ·B shape mismatch \(a.shape) \(b.shape)")
            if a.rows >= 4 * max(a.cols, 64) {
                return kernelAtB(a, b)
            }
            return PackedPanels(b).multiply(a.transposed(), fused: false)
        case (true, true):
            return multiply(b, a, transA: false, transB: false).transposed()
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
