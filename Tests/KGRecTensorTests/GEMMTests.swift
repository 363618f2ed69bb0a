import KGRecTensor
import Testing

@Suite struct GEMMTests {
    /// Reference product in Double.
    static func naive(_ a: Matrix, _ b: Matrix, transA: Bool, transB: Bool) -> [Double] {
        let m = transA ? a.cols : a.rows, k = transA ? a.rows : a.cols, n = transB ? b.rows : b.cols
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = transA ? a[p, i] : a[i, p], y = transB ? b[j, p] : b[p, j]
                    s += Double(x) * Double(y)
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    static func maxError(_ c: Matrix, _ ref: [Double]) -> Double {
        zip(c.data, ref).map { abs(Double($0) - $1) }.max() ?? 0
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (4, 16, 16), (9, 33, 19), (130, 64, 64), (67, 24, 40)])
    func everyTransposeCombinationMatchesTheNaiveProduct(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            var rng = Xoshiro256(seed: UInt64(m * 1000 + k * 10 + n))
            let a = ta ? Matrix.uniform(rows: k, cols: m, -1, 1, rng: &rng) : Matrix.uniform(rows: m, cols: k, -1, 1, rng: &rng)
            let b = tb ? Matrix.uniform(rows: n, cols: k, -1, 1, rng: &rng) : Matrix.uniform(rows: k, cols: n, -1, 1, rng: &rng)
            let c = GEMM.multiply(a, b, transA: ta, transB: tb)
            #expect(c.rows == m && c.cols == n)
            #expect(Self.maxError(c, Self.naive(a, b, transA: ta, transB: tb)) < 1e-4 * Double(k))
        }
    }

    @Test func longSharedDimensionUsesThreadedAccumulationCorrectly() {
        // Aᵀ·B with K ≫ M: the per-thread partial-sum path.
        var rng = Xoshiro256(seed: 5)
        let a = Matrix.uniform(rows: 2003, cols: 24, -1, 1, rng: &rng)
        let b = Matrix.uniform(rows: 2003, cols: 20, -1, 1, rng: &rng)
        let c = GEMM.multiply(a, b, transA: true)
        #expect(Self.maxError(c, Self.naive(a, b, transA: true, transB: false)) < 1e-3)
    }

    /// The packed 6×16 kernel at ragged shapes: rows not a multiple of 6 (the one-row tiles), widths
    /// not a multiple of 16 (the zero-padded last panel), bias and activation, both packings.
    @Test(arguments: [(1, 3, 1), (7, 64, 17), (13, 5, 40), (53, 64, 128), (100, 128, 64)])
    func packedPanelsWithBiasAndActivationMatchTheNaiveProduct(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var rng = Xoshiro256(seed: UInt64(m * 7 + k * 3 + n))
        let a = Matrix.uniform(rows: m, cols: k, -1, 1, rng: &rng)
        let b = Matrix.uniform(rows: k, cols: n, -1, 1, rng: &rng)
        let bias = (0..<n).map { Float($0) / Float(n) - 0.5 }
        let ref = Self.naive(a, b, transA: false, transB: false)
        let plain = PackedPanels(b).multiply(a, bias: bias)
        #expect(plain.rows == m && plain.cols == n)
        #expect(Self.maxError(plain, (0..<m * n).map { ref[$0] + Double(bias[$0 % n]) }) < 1e-4 * Double(k))
        let relu = PackedPanels(transposed: b.transposed()).multiply(a, activation: { pointwiseMax($0, .zero) })
        #expect(Self.maxError(relu, ref.map { max($0, 0) }) < 1e-4 * Double(k))
    }

    /// GEMM keeps the rounding of the earlier kernel (multiply, then add, k in order from 0), so
    /// seeded training is bitwise what it was: every element equals that Float loop exactly.
    @Test(arguments: [(7, 64, 17), (53, 64, 128), (300, 128, 64)])
    func productsAreBitwiseTheInOrderMultiplyThenAddLoop(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var rng = Xoshiro256(seed: UInt64(m + k + n))
        let a = Matrix.uniform(rows: m, cols: k, -1, 1, rng: &rng)
        let b = Matrix.uniform(rows: k, cols: n, -1, 1, rng: &rng)
        var ref = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s = s + a[i, p] * b[p, j] }
                ref[i * n + j] = s
            }
        }
        #expect(GEMM.multiply(a, b).data == ref)
        #expect(GEMM.multiply(a, b.transposed(), transB: true).data == ref)
    }

    @Test func emptyOperandsGiveZeroOrEmptyResults() {
        let a = Matrix(rows: 0, cols: 4), b = Matrix(rows: 4, cols: 3)
        #expect(GEMM.multiply(a, b).rows == 0)
        let z = GEMM.multiply(Matrix(rows: 2, cols: 0), Matrix(rows: 0, cols: 3))
        #expect(z.data == [Float](repeating: 0, count: 6))
    }

    @Test func resultsAreIdenticalAcrossRuns() {
        var rng = Xoshiro256(seed: 6)
        let a = Matrix.uniform(rows: 3000, cols: 64, -1, 1, rng: &rng)
        let b = Matrix.uniform(rows: 3000, cols: 64, -1, 1, rng: &rng)
        #expect(GEMM.multiply(a, b, transA: true) == GEMM.multiply(a, b, transA: true))
    }
}
