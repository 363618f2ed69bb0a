extension Tape {
    /// Weighted neighbour sum with constant edge weights: `out[h] = Σ_{e ∈ edges(h)} w[e] · x[tails[e]]`.
    /// x `[T, D]`, w `[E]` → `[H, D]`. Backward: `dx[t] = Σ_{e → t} w[e] · dy[heads[e]]`.
    public func spmm(_ graph: SparseGraph, weights: [Float], _ x: Var) -> Var {
        precondition(x.rows == graph.tailCount && weights.count == graph.edgeCount, "spmm shape mismatch")
        let out = Kernels.spmm(graph, weights, value(x))
        return op(out, [x]) { t, dy in
            t.accumulate(x, Kernels.spmmTransposed(graph, weights, dy))
        }
    }

    /// Weighted neighbour sum with learnable weights w `[E, 1]`. Backward additionally
    /// `dw[e] = dy[heads[e]] · x[tails[e]]`.
    public func spmm(_ graph: SparseGraph, weights w: Var, _ x: Var) -> Var {
        precondition(w.rows == graph.edgeCount && w.cols == 1, "spmm weights must be [E, 1]")
        let wv = value(w).data, xv = value(x)
        let out = Kernels.spmm(graph, wv, xv)
        return op(out, [w, x]) { t, dy in
            if t.wants(x) { t.accumulate(x, Kernels.spmmTransposed(graph, wv, dy)) }
            if t.wants(w) {
                let d = xv.cols
                var dw = Matrix(rows: graph.edgeCount, cols: 1)
                for e in 0..<graph.edgeCount {
                    let h = Int(graph.heads[e]), tl = Int(graph.tails[e])
                    var s: Float = 0
                    for c in 0..<d { s += dy.data[h * d + c] * xv.data[tl * d + c] }
                    dw.data[e] = s
                }
                t.accumulate(w, dw)
            }
        }
    }

    /// Softmax of edge scores within each head's edges: scores `[E, 1]` → `[E, 1]`.
    /// Backward: `dz[e] = y[e] (dy[e] − Σ_{e' ∈ seg(e)} y[e'] dy[e'])`.
    public func segmentSoftmax(_ graph: SparseGraph, _ scores: Var) -> Var {
        precondition(scores.rows == graph.edgeCount && scores.cols == 1, "segmentSoftmax needs [E, 1]")
        let y = Matrix(rows: graph.edgeCount, cols: 1, data: Kernels.segmentSoftmax(graph, value(scores).data))
        return op(y, [scores]) { t, dy in
            var dz = Matrix(rows: graph.edgeCount, cols: 1)
            for h in 0..<graph.headCount {
                let r = Int(graph.offsets[h])..<Int(graph.offsets[h + 1])
                var s: Float = 0
                for e in r { s += y.data[e] * dy.data[e] }
                for e in r { dz.data[e] = y.data[e] * (dy.data[e] - s) }
            }
            t.accumulate(scores, dz)
        }
    }
}

extension Kernels {
    /// `out[h] = Σ_{e ∈ edges(h)} w[e] · x[tails[e]]`: x `[T, D]`, w `[E]` → `[H, D]`.
    public static func spmm(_ g: SparseGraph, _ w: [Float], _ x: Matrix) -> Matrix {
        let d = x.cols
        var out = Matrix(uninitializedRows: g.headCount, cols: d)
        g.offsets.withUnsafeBufferPointer { op in
            g.tails.withUnsafeBufferPointer { tp in
                w.withUnsafeBufferPointer { wp in
                    x.data.withUnsafeBufferPointer { xp in
                        out.data.withUnsafeMutableBufferPointer { outp in
                            guard let X = xp.baseAddress, let O = outp.baseAddress,
                                  let W = wp.baseAddress, let T = tp.baseAddress else { return }
                            let Off = op.baseAddress!
                            Parallel.forRanges(g.headCount, grain: 1024) { rows in
                                for h in rows {
                                    weightedRowSum(O + h * d, X, d: d, edges: Int(Off[h])..<Int(Off[h + 1])) { e in
                                        (W[e], Int(T[e]))
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

    /// Transposed product `dx[t] = Σ_{e → t} w[e] · dy[heads[e]]`: dy `[H, D]` → `[T, D]`.
    /// The weights are first permuted into transpose order (one pass), so the main loop reads weights
    /// and heads in order and only the rows of dy at random.
    public static func spmmTransposed(_ g: SparseGraph, _ w: [Float], _ dy: Matrix) -> Matrix {
        let d = dy.cols
        var out = Matrix(uninitializedRows: g.tailCount, cols: d)
        let wt = [Float](unsafeUninitializedCapacity: g.edgeCount) { buf, n in
            g.transposeEdges.withUnsafeBufferPointer { ep in
                w.withUnsafeBufferPointer { wp in
                    guard let E = ep.baseAddress, let W = wp.baseAddress, let O = buf.baseAddress else { return }
                    Parallel.forRanges(g.edgeCount, grain: 1 << 16) { r in
                        for k in r { O[k] = W[Int(E[k])] }
                    }
                }
            }
            n = g.edgeCount
        }
        g.transposeOffsets.withUnsafeBufferPointer { op in
            g.transposeHeads.withUnsafeBufferPointer { hp in
                wt.withUnsafeBufferPointer { wp in
                    dy.data.withUnsafeBufferPointer { yp in
                        out.data.withUnsafeMutableBufferPointer { outp in
                            guard let Y = yp.baseAddress, let O = outp.baseAddress, let W = wp.baseAddress,
                                  let H = hp.baseAddress else { return }
                            let Off = op.baseAddress!
                            Parallel.forRanges(g.tailCount, grain: 1024) { rows in
                                for t in rows {
                                    weightedRowSum(O + t * d, Y, d: d, edges: Int(Off[t])..<Int(Off[t + 1])) { k in
                                        (W[k], Int(H[k]))
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

    /// `dst[0..<d] = Σ_k w_k · src[row_k]` where `(w_k, row_k) = edge(k)` for k in `edges`.
    /// Columns go 64 at a time (four 16-lane accumulators, one pass over the edges per 64 columns:
    /// a d = 64 table reads each edge's weight and index once), then 16, then one by one.
    @inline(__always)
    static func weightedRowSum(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, d: Int,
                               edges: Range<Int>, _ edge: (Int) -> (Float, Int)) {
        var c = 0
        while c + 64 <= d {
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
            for k in edges {
                let (w, r) = edge(k)
                let row = UnsafeRawPointer(src + r * d + c)
                a0 += w * row.loadUnaligned(as: SIMD16<Float>.self)
                a1 += w * row.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                a2 += w * row.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                a3 += w * row.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
            }
            let out = UnsafeMutableRawPointer(dst + c)
            out.storeBytes(of: a0, as: SIMD16<Float>.self)
            out.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
            out.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
            out.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
            c += 64
        }
        while c + 32 <= d {
            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
            for k in edges {
                let (w, r) = edge(k)
                let row = UnsafeRawPointer(src + r * d + c)
                a0 += w * row.loadUnaligned(as: SIMD16<Float>.self)
                a1 += w * row.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            }
            let out = UnsafeMutableRawPointer(dst + c)
            out.storeBytes(of: a0, as: SIMD16<Float>.self)
            out.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
            c += 32
        }
        while c + 16 <= d {
            var acc = SIMD16<Float>()
            for k in edges {
                let (w, r) = edge(k)
                acc += w * UnsafeRawPointer(src + r * d + c).loadUnaligned(as: SIMD16<Float>.self)
            }
            UnsafeMutableRawPointer(dst + c).storeBytes(of: acc, as: SIMD16<Float>.self)
            c += 16
        }
        while c < d {
            var s: Float = 0
            for k in edges { let (w, r) = edge(k); s += w * src[r * d + c] }
            dst[c] = s
            c += 1
        }
    }

    /// Softmax of `scores [E]` within each head's CSR segment.
    public static func segmentSoftmax(_ g: SparseGraph, _ scores: [Float]) -> [Float] {
        var y = scores
        y.withUnsafeMutableBufferPointer { yp in
            let Y = yp.baseAddress!
            g.offsets.withUnsafeBufferPointer { op in
                let Off = op.baseAddress!
                Parallel.forRanges(g.headCount, grain: 4096) { rows in
                    for h in rows {
                        let lo = Int(Off[h]), hi = Int(Off[h + 1])
                        if lo == hi { continue }
                        var mx = -Float.infinity
                        for e in lo..<hi { mx = max(mx, Y[e]) }
                        if mx == -.infinity {  // every edge of h dropped: no messages
                            for e in lo..<hi { Y[e] = 0 }
                            continue
                        }
                        var s: Float = 0
                        for e in lo..<hi { let v = exp(Y[e] - mx); Y[e] = v; s += v }
                        for e in lo..<hi { Y[e] /= s }
                    }
                }
            }
        }
        return y
    }
}
