extension Tape {
    /// Relation-aware edge attention logits with gradient (the GAT-JK aggregator):
    /// `s[e] = z[tails[e]] · tanh(q[heads[e]] + ρ[rel[e]])`.
    /// q `[H, k]` (queries of heads), z `[T, k]` (keys of tails), ρ `[R, k]` (relation embeddings),
    /// rel `[E]` relation of each edge, `dropped` `[E]` or nil: a dropped edge's logit is −∞ (and
    /// gets no gradient) → `[E, 1]`.
    /// Backward, with u = tanh(q_h + ρ_r) and g = ds·z_t ⊙ (1 − u²): `dq[h] += g`, `dρ[r] += g`,
    /// `dz[t] += ds·u`. dq is computed per head (CSR order) and dz per tail (transpose order), so
    /// neither scatters with races; dρ sums one partial table per thread in a fixed order.
    public func edgeAttentionLogits(_ graph: SparseGraph, queries q: Var, keys z: Var, relations rho: Var,
                                    edgeRelations rel: [Int32], dropped: [Bool]? = nil) -> Var {
        let k = q.cols
        precondition(q.rows == graph.headCount && z.rows == graph.tailCount && z.cols == k && rho.cols == k
                     && rel.count == graph.edgeCount && (dropped?.count ?? graph.edgeCount) == graph.edgeCount,
                     "edgeAttentionLogits shape mismatch")
        let qv = value(q), zv = value(z), rv = value(rho)
        var out = Matrix(uninitializedRows: graph.edgeCount, cols: 1)
        out.data.withUnsafeMutableBufferPointer { op in
            let O = op.baseAddress!
            Parallel.forRanges(graph.headCount, grain: 512) { heads in
                var u = [Float](repeating: 0, count: k)
                for h in heads {
                    for e in Int(graph.offsets[h])..<Int(graph.offsets[h + 1]) {
                        if let dropped, dropped[e] { O[e] = -.infinity; continue }
                        Kernels.tanhOfSum(&u, qv, h, rv, Int(rel[e]))
                        var s: Float = 0
                        let t = Int(graph.tails[e]) * k
                        for c in 0..<k { s += zv.data[t + c] * u[c] }
                        O[e] = s
                    }
                }
            }
        }
        return op(out, [q, z, rho]) { t, ds in
            let skip: (Int) -> Bool = { e in ds.data[e] == 0 || (dropped?[e] ?? false) }
            if t.wants(q) || t.wants(rho) {
                let chunks = min(Parallel.threadCount, max(1, graph.headCount / 512))
                var dq = Matrix(rows: graph.headCount, cols: k)
                let rk = rho.rows * k
                var partial = [Float](repeating: 0, count: chunks * rk)  // [chunks, R, k]
                dq.data.withUnsafeMutableBufferPointer { qp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        let Q = qp.baseAddress!, P = pp.baseAddress!
                        Parallel.forChunks(graph.headCount, chunks: chunks) { chunk, heads in
                            var u = [Float](repeating: 0, count: k)
                            let Pc = P + chunk * rk
                            for h in heads {
                                for e in Int(graph.offsets[h])..<Int(graph.offsets[h + 1]) where !skip(e) {
                                    Kernels.tanhOfSum(&u, qv, h, rv, Int(rel[e]))
                                    let g = ds.data[e], tl = Int(graph.tails[e]) * k, r = Int(rel[e]) * k
                                    for c in 0..<k {
                                        let v = g * zv.data[tl + c] * (1 - u[c] * u[c])
                                        Q[h * k + c] += v
                                        Pc[r + c] += v
                                    }
                                }
                            }
                        }
                    }
                }
                if t.wants(q) { t.accumulate(q, dq) }
                if t.wants(rho) {
                    var drho = Matrix(rows: rho.rows, cols: k, data: Array(partial[0..<rk]))
                    for c in 1..<chunks { for i in 0..<rk { drho.data[i] += partial[c * rk + i] } }
                    t.accumulate(rho, drho)
                }
            }
            if t.wants(z) {
                var dz = Matrix(rows: graph.tailCount, cols: k)
                dz.data.withUnsafeMutableBufferPointer { zp in
                    let Z = zp.baseAddress!
                    Parallel.forRanges(graph.tailCount, grain: 512) { tails in
                        var u = [Float](repeating: 0, count: k)
                        for tl in tails {
                            for j in Int(graph.transposeOffsets[tl])..<Int(graph.transposeOffsets[tl + 1]) {
                                let e = Int(graph.transposeEdges[j])
                                if skip(e) { continue }
                                Kernels.tanhOfSum(&u, qv, Int(graph.transposeHeads[j]), rv, Int(rel[e]))
                                let g = ds.data[e]
                                for c in 0..<k { Z[tl * k + c] += g * u[c] }
                            }
                        }
                    }
                }
                t.accumulate(z, dz)
            }
        }
    }
}

extension Kernels {
    /// `u = tanh(a[row ra] + b[row rb])` over the k = `u.count` columns of a and b (FastMath's tanh,
    /// 16 lanes at a time, the same approximation for the tail).
    @inline(__always)
    static func tanhOfSum(_ u: inout [Float], _ a: Matrix, _ ra: Int, _ b: Matrix, _ rb: Int) {
        let k = u.count
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                u.withUnsafeMutableBufferPointer { up in
                    let A = ap.baseAddress! + ra * k, B = bp.baseAddress! + rb * k, U = up.baseAddress!
                    var c = 0
                    while c + 16 <= k {
                        let x = UnsafeRawPointer(A + c).loadUnaligned(as: SIMD16<Float>.self)
                            + UnsafeRawPointer(B + c).loadUnaligned(as: SIMD16<Float>.self)
                        UnsafeMutableRawPointer(U + c).storeBytes(of: FastMath.tanh(x), as: SIMD16<Float>.self)
                        c += 16
                    }
                    while c < k { U[c] = FastMath.tanh(A[c] + B[c]); c += 1 }
                }
            }
        }
    }
}
