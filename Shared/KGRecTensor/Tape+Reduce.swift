extension Tape {
    /// Sum of all elements → `[1, 1]` (accumulated in Double).
    public func sum(_ x: Var) -> Var {
        var s = 0.0
        for v in value(x).data { s += Double(v) }
        return op(Matrix(rows: 1, cols: 1, data: [Float(s)]), [x]) { t, dy in
            t.accumulate(x, Matrix(rows: x.rows, cols: x.cols, repeating: dy.data[0]))
        }
    }

    /// Mean of all elements → `[1, 1]`.
    public func mean(_ x: Var) -> Var { scale(sum(x), 1 / Float(max(1, x.rows * x.cols))) }

    /// Row-wise dot products: a, b `[B, D]` → `[B, 1]`. Backward: `da = dy·b`, `db = dy·a`.
    public func rowDot(_ a: Var, _ b: Var) -> Var {
        precondition(a.rows == b.rows && a.cols == b.cols, "rowDot shape mismatch")
        let av = value(a), bv = value(b), d = a.cols
        var out = Matrix(rows: a.rows, cols: 1)
        for r in 0..<a.rows {
            var s: Float = 0
            for c in 0..<d { s += av.data[r * d + c] * bv.data[r * d + c] }
            out.data[r] = s
        }
        return op(out, [a, b]) { t, dy in
            func scaled(_ m: Matrix) -> Matrix {
                var g = Matrix(rows: m.rows, cols: d)
                for r in 0..<m.rows { for c in 0..<d { g.data[r * d + c] = dy.data[r] * m.data[r * d + c] } }
                return g
            }
            if t.wants(a) { t.accumulate(a, scaled(bv)) }
            if t.wants(b) { t.accumulate(b, scaled(av)) }
        }
    }

    /// Squared L2 norm of each row: x `[B, D]` → `[B, 1]`.
    public func rowSquaredNorm(_ x: Var) -> Var { rowDot(x, x) }

    /// Each row divided by its L2 norm (clamped at 1e-12, as `F.normalize`): `[B, D]` → `[B, D]`.
    /// Backward: `dx = (dy − y (y·dy)) / ‖x‖`.
    public func l2NormalizeRows(_ x: Var) -> Var {
        let d = x.cols
        var y = value(x)
        let norms = Kernels.l2NormalizeRows(&y)
        saved(floats: norms.count)
        return op(y, [x]) { t, dy in
            var dx = Matrix(rows: x.rows, cols: d)
            dx.data.withUnsafeMutableBufferPointer { gp in
                let G = gp.baseAddress!
                y.data.withUnsafeBufferPointer { yp in
                    dy.data.withUnsafeBufferPointer { dp in
                        let Y = yp.baseAddress!, D = dp.baseAddress!
                        Parallel.forRanges(x.rows, grain: 2048) { rows in
                            for r in rows {
                                var s: Float = 0
                                for c in 0..<d { s += Y[r * d + c] * D[r * d + c] }
                                let inv = 1 / norms[r]
                                for c in 0..<d { G[r * d + c] = (D[r * d + c] - Y[r * d + c] * s) * inv }
                            }
                        }
                    }
                }
            }
            t.accumulate(x, dx)
        }
    }
}

extension Kernels {
    /// Divides each row of x `[B, D]` by its L2 norm (clamped at 1e-12, as `F.normalize`) in place,
    /// both cores; returns the norms `[B]`.
    public static func l2NormalizeRows(_ x: inout Matrix) -> [Float] {
        let d = x.cols, rowCount = x.rows
        var norms = [Float](repeating: 0, count: rowCount)
        x.data.withUnsafeMutableBufferPointer { yp in
            norms.withUnsafeMutableBufferPointer { np in
                guard let Y = yp.baseAddress, let N = np.baseAddress else { return }
                Parallel.forRanges(rowCount, grain: 2048) { rows in
                    for r in rows {
                        var s: Float = 0
                        for c in 0..<d { s += Y[r * d + c] * Y[r * d + c] }
                        let n = max(s.squareRoot(), 1e-12)
                        N[r] = n
                        for c in 0..<d { Y[r * d + c] /= n }
                    }
                }
            }
        }
        return norms
    }
}
