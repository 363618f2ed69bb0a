extension Tape {
    /// Rows `x[index[i]]`: x `[N, D]`, index `[B]` → `[B, D]`. Backward: scatter-add into dx.
    public func gatherRows(_ x: Var, _ index: [Int32]) -> Var {
        let out = Kernels.gatherRows(value(x), index)
        return op(out, [x]) { t, dy in
            t.withGradient(x) { dx in Kernels.scatterAddRows(dy, index, into: &dx) }
        }
    }

    /// `base` with rows `index[i]` replaced by `rows[i]`: base `[N, D]`, rows `[B, D]`, index `[B]`
    /// distinct → `[N, D]`. Backward: `dbase` = dy with those rows zeroed, `drows = dy[index]`.
    public func replaceRows(_ base: Var, _ index: [Int32], with rows: Var) -> Var {
        precondition(base.cols == rows.cols && index.count == rows.rows, "replaceRows shape mismatch")
        var out = value(base)
        let rv = value(rows), d = base.cols
        for (i, r) in index.enumerated() {
            for c in 0..<d { out.data[Int(r) * d + c] = rv.data[i * d + c] }
        }
        return op(out, [base, rows]) { t, dy in
            if t.wants(rows) { t.accumulate(rows, Kernels.gatherRows(dy, index)) }
            if t.wants(base) {
                var g = dy
                for r in index { for c in 0..<d { g.data[Int(r) * d + c] = 0 } }
                t.accumulate(base, g)
            }
        }
    }

    /// Column concatenation: parts `[B, D_k]` → `[B, Σ D_k]`.
    public func concatColumns(_ parts: [Var]) -> Var {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.rows == parts[0].rows }, "concat rows differ")
        if parts.count == 1 { return parts[0] }
        let b = parts[0].rows, total = parts.reduce(0) { $0 + $1.cols }
        var out = Matrix(rows: b, cols: total)
        var offset = 0
        for p in parts {
            let v = value(p), w = p.cols
            for r in 0..<b { for c in 0..<w { out.data[r * total + offset + c] = v.data[r * w + c] } }
            offset += w
        }
        return op(out, parts) { t, dy in
            var offset = 0
            for p in parts {
                let w = p.cols
                if t.wants(p) {
                    var g = Matrix(rows: b, cols: w)
                    for r in 0..<b { for c in 0..<w { g.data[r * w + c] = dy.data[r * total + offset + c] } }
                    t.accumulate(p, g)
                }
                offset += w
            }
        }
    }

    /// Columns `range` of x `[B, D]` → `[B, range.count]`.
    public func sliceColumns(_ x: Var, _ range: Range<Int>) -> Var {
        let xv = value(x), d = x.cols, w = range.count
        var out = Matrix(rows: x.rows, cols: w)
        for r in 0..<x.rows { for c in 0..<w { out.data[r * w + c] = xv.data[r * d + range.lowerBound + c] } }
        return op(out, [x]) { t, dy in
            t.withGradient(x) { dx in
                for r in 0..<x.rows { for c in 0..<w { dx.data[r * d + range.lowerBound + c] += dy.data[r * w + c] } }
            }
        }
    }

    /// Per-sequence concatenation: a `[S·n, D]` and b `[S·m, D]` (S sequences of n and m rows) →
    /// `[S·(n+m), D]`, sequence s = a's n rows then b's m rows (keys/values of both modalities).
    public func concatSequences(_ a: Var, _ b: Var, sequences s: Int) -> Var {
        precondition(a.cols == b.cols && a.rows % s == 0 && b.rows % s == 0, "concatSequences shape")
        let n = a.rows / s, m = b.rows / s, d = a.cols
        let av = value(a), bv = value(b)
        var out = Matrix(rows: s * (n + m), cols: d)
        for q in 0..<s {
            let o = q * (n + m) * d
            for i in 0..<(n * d) { out.data[o + i] = av.data[q * n * d + i] }
            for i in 0..<(m * d) { out.data[o + n * d + i] = bv.data[q * m * d + i] }
        }
        return op(out, [a, b]) { t, dy in
            var ga = Matrix(rows: a.rows, cols: d), gb = Matrix(rows: b.rows, cols: d)
            for q in 0..<s {
                let o = q * (n + m) * d
                for i in 0..<(n * d) { ga.data[q * n * d + i] = dy.data[o + i] }
                for i in 0..<(m * d) { gb.data[q * m * d + i] = dy.data[o + n * d + i] }
            }
            t.accumulate(a, ga)
            t.accumulate(b, gb)
        }
    }
}

extension Kernels {
    /// `out[i] = x[index[i]]`: x `[N, D]`, index `[B]` → `[B, D]`.
    public static func gatherRows(_ x: Matrix, _ index: [Int32]) -> Matrix {
        let d = x.cols
        var out = Matrix(uninitializedRows: index.count, cols: d)
        x.data.withUnsafeBufferPointer { xp in
            out.data.withUnsafeMutableBufferPointer { op in
                index.withUnsafeBufferPointer { ip in
                    guard let X = xp.baseAddress, let O = op.baseAddress, let I = ip.baseAddress else { return }
                    Parallel.forRanges(index.count, grain: 4096) { rows in
                        for i in rows {
                            (O + i * d).update(from: X + Int(I[i]) * d, count: d)
                        }
                    }
                }
            }
        }
        return out
    }

    /// `dx[index[i]] += dy[i]`: dy `[B, D]`, dx `[N, D]` (sequential: indices may repeat).
    public static func scatterAddRows(_ dy: Matrix, _ index: [Int32], into dx: inout Matrix) {
        let d = dy.cols
        dy.data.withUnsafeBufferPointer { gp in
            dx.data.withUnsafeMutableBufferPointer { xp in
                guard let G = gp.baseAddress, let X = xp.baseAddress else { return }
                for (i, r) in index.enumerated() {
                    let dst = X + Int(r) * d, src = G + i * d
                    for c in 0..<d { dst[c] += src[c] }
                }
            }
        }
    }
}
