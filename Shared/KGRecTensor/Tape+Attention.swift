extension Tape {
    /// Multi-head scaled dot-product attention over S independent sequences.
    ///
    /// q `[S·nq, D]`; keys and values in parts: part m is `[S·n_m, D]` (the same n_m for its key and
    /// value), and sequence s's keys are part 0's n_0 rows of s, then part 1's n_1 rows, … (nk = Σ n_m;
    /// the cross-attention of the fusion blocks passes its own and the other stream's projections
    /// without concatenating them). Head h uses columns `h·dₕ..<(h+1)·dₕ`, `dₕ = D / heads`. For
    /// sequence s and head h: `P = softmax(Q Kᵀ / sqrt(dₕ))` over the keys whose `keyMask[s·nk + j]`
    /// is true, `O = P V` → out `[S·nq, D]` (heads side by side, before the output projection); a
    /// query whose keys are all masked gets zeros. Backward: `dP = dO Vᵀ`,
    /// `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ = dS K / sqrt(dₕ)`, `dK = dSᵀ Q / sqrt(dₕ)`, `dV = Pᵀ dO`.
    ///
    /// Kernel (`AttentionTile`): per sequence and head the keys (and in the backward the values) are
    /// transposed into a `[dₕ, 16·⌈nk/16⌉]` tile, so a query's scores, its softmax (`FastMath.exp`)
    /// and `dP` are 16-lane vectors over the keys; sequences are split between threads and every
    /// output row is written by one thread only, so results do not depend on the thread count.
    public func attention(query q: Var, keys: [Var], values: [Var], heads: Int, sequences s: Int,
                          keyMask: [Bool]? = nil) -> Var {
        let d = q.cols
        precondition(!keys.isEmpty && keys.count == values.count && d % heads == 0 && s > 0 && q.rows % s == 0
                     && zip(keys, values).allSatisfy { k, v in
                         k.cols == d && v.cols == d && k.rows == v.rows && k.rows % s == 0 },
                     "attention shape mismatch")
        let tile = AttentionTile(sequences: s, queries: q.rows / s, parts: keys.map { $0.rows / s },
                                 width: d, heads: heads, keyMask: keyMask)
        let qv = value(q), kv = keys.map { value($0) }, vv = values.map { value($0) }
        var probs = [Float](unsafeUninitializedCapacity: tile.probabilityCount) { _, n in n = tile.probabilityCount }
        var out = Matrix(uninitializedRows: q.rows, cols: d)
        probs.withUnsafeMutableBufferPointer { pp in
            out.data.withUnsafeMutableBufferPointer { op in
                qv.data.withUnsafeBufferPointer { qp in
                    withBasePointers(kv) { kp in
                        withBasePointers(vv) { vp in
                            tile.forward(q: qp.baseAddress!, keys: kp, values: vp, probs: pp.baseAddress!,
                                         out: op.baseAddress!)
                        }
                    }
                }
            }
        }
        saved(floats: probs.count)
        return op(out, [q] + keys + values) { t, dy in
            var dq = Matrix(uninitializedRows: q.rows, cols: d)
            let shapes = keys.map { $0.rows } + values.map { $0.rows }
            let dkv = withUninitializedMatrices(rows: shapes, cols: d) { g in
                dq.data.withUnsafeMutableBufferPointer { dqp in
                    probs.withUnsafeBufferPointer { pp in
                        dy.data.withUnsafeBufferPointer { yp in
                            qv.data.withUnsafeBufferPointer { qp in
                                withBasePointers(kv) { kp in
                                    withBasePointers(vv) { vp in
                                        tile.backward(dy: yp.baseAddress!, q: qp.baseAddress!, keys: kp, values: vp,
                                                      probs: pp.baseAddress!, dq: dqp.baseAddress!,
                                                      dk: Array(g[..<keys.count]), dv: Array(g[keys.count...]))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            t.accumulate(q, dq)
            for (x, g) in zip(keys + values, dkv) { t.accumulate(x, g) }
        }
    }

    /// `attention` with one key and one value matrix `[S·nk, D]`.
    public func attention(query q: Var, key k: Var, value v: Var, heads: Int, sequences s: Int,
                          keyMask: [Bool]? = nil) -> Var {
        attention(query: q, keys: [k], values: [v], heads: heads, sequences: s, keyMask: keyMask)
    }
}

/// The base addresses of the matrices' storage, valid inside `body`.
func withBasePointers<R>(_ ms: [Matrix], _ body: ([UnsafePointer<Float>]) -> R) -> R {
    func nest(_ i: Int, _ acc: [UnsafePointer<Float>]) -> R {
        if i == ms.count { return body(acc) }
        return ms[i].data.withUnsafeBufferPointer { nest(i + 1, acc + [$0.baseAddress ?? emptyStorage]) }
    }
    return nest(0, [])
}

/// Matrices `[rows[i], cols]` whose every element `body` writes through the pointers it is given
/// (one per matrix; no zero-filling).
func withUninitializedMatrices(rows: [Int], cols: Int, _ body: ([UnsafeMutablePointer<Float>]) -> Void) -> [Matrix] {
    func nest(_ i: Int, _ acc: [UnsafeMutablePointer<Float>]) -> [[Float]] {
        if i == rows.count { body(acc); return [] }
        var rest: [[Float]] = []
        let data = [Float](unsafeUninitializedCapacity: rows[i] * cols) { buffer, n in
            rest = nest(i + 1, acc + [buffer.baseAddress ?? UnsafeMutablePointer(mutating: emptyStorage)])
            n = rows[i] * cols
        }
        return [data] + rest
    }
    return zip(rows, nest(0, [])).map { Matrix(rows: $0, cols: cols, data: $1) }
}

/// A valid address for empty storage (never read or written).
nonisolated(unsafe) private let emptyStorage = UnsafePointer(UnsafeMutablePointer<Float>.allocate(capacity: 1))

/// The shapes and inner loops of `Tape.attention`: S sequences of nq queries and nk keys (keys in
/// parts of n_m rows per sequence), `heads` heads of width dₕ. Per-query score rows are padded to
/// `stride = 16·⌈nk/16⌉` lanes (padding and masked keys score −∞, probability 0).
struct AttentionTile {
    let sequences: Int, queries: Int, width: Int, heads: Int, headWidth: Int
    let keyCount: Int, stride: Int, blocks: Int
    let parts: [Int]
    let keyMask: [Bool]?
    let scale: Float

    init(sequences s: Int, queries nq: Int, parts: [Int], width d: Int, heads: Int, keyMask: [Bool]?) {
        sequences = s; queries = nq; width = d; self.heads = heads; headWidth = d / heads
        self.parts = parts
        keyCount = parts.reduce(0, +)
        blocks = (keyCount + 15) / 16
        stride = blocks * 16
        self.keyMask = keyMask
        precondition((keyMask?.count ?? s * keyCount) == s * keyCount, "attention key mask must be [S·nk]")
        scale = 1 / Float(d / heads).squareRoot()
    }

    /// Stored probabilities: `[S, heads, nq, stride]`.
    var probabilityCount: Int { sequences * heads * queries * stride }

    @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always) func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// `rows[j]` = start of key position j's row of sequence sq (in its part), j < nk.
    @inline(__always) func rows<P>(_ base: [P], _ sq: Int, into rows: UnsafeMutablePointer<P>,
                                   _ advance: (P, Int) -> P) {
        var j = 0
        for (m, n) in parts.enumerated() {
            for r in 0..<n { rows[j] = advance(base[m], (sq * n + r) * width); j += 1 }
        }
    }

    /// `tile[c·stride + j] = rows[j][col + c]` for j < nk, c < dₕ (padding lanes untouched: zero).
    @inline(__always) func transpose(_ rows: UnsafePointer<UnsafePointer<Float>>, col: Int,
                                     into tile: UnsafeMutablePointer<Float>) {
        for j in 0..<keyCount {
            let src = rows[j] + col
            for c in 0..<headWidth { tile[c * stride + j] = src[c] }
        }
    }

    /// 0 for valid keys, −∞ for masked keys and padding: `[stride]` for sequence sq.
    @inline(__always) func maskRow(_ sq: Int, into m: UnsafeMutablePointer<Float>) {
        for j in 0..<stride {
            let valid = j < keyCount && (keyMask.map { $0[sq * keyCount + j] } ?? true)
            m[j] = valid ? 0 : -.infinity
        }
    }

    /// `out[c] = Σ_j p[j] · rows[j][col + c]` for c < dₕ (8 columns at a time in a register).
    @inline(__always) func weightedRows(_ p: UnsafePointer<Float>, _ rows: UnsafePointer<UnsafePointer<Float>>,
                                        col: Int, out: UnsafeMutablePointer<Float>) {
        var c = 0
        while c + 8 <= headWidth {
            var acc = SIMD8<Float>()
            for j in 0..<keyCount {
                acc += p[j] * UnsafeRawPointer(rows[j] + col + c).loadUnaligned(as: SIMD8<Float>.self)
            }
            UnsafeMutableRawPointer(out + c).storeBytes(of: acc, as: SIMD8<Float>.self)
            c += 8
        }
        while c < headWidth {
            var acc: Float = 0
            for j in 0..<keyCount { acc += p[j] * rows[j][col + c] }
            out[c] = acc
            c += 1
        }
    }

    func forward(q: UnsafePointer<Float>, keys: [UnsafePointer<Float>], values: [UnsafePointer<Float>],
                 probs: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(sequences, grain: 16) { seqs in
            let kt = UnsafeMutablePointer<Float>.allocate(capacity: headWidth * stride + stride)
            defer { kt.deallocate() }
            kt.initialize(repeating: 0, count: headWidth * stride + stride)
            let mask = kt + headWidth * stride
            let rowPointers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: 2 * keyCount)
            defer { rowPointers.deallocate() }
            let keyRows = rowPointers, valueRows = rowPointers + keyCount
            for sq in seqs {
                maskRow(sq, into: mask)
                rows(keys, sq, into: keyRows) { $0 + $1 }
                rows(values, sq, into: valueRows) { $0 + $1 }
                for h in 0..<heads {
                    transpose(keyRows, col: h * headWidth, into: kt)
                    let qbase = q + sq * queries * width + h * headWidth
                    let pbase = probs + (sq * heads + h) * queries * stride
                    let obase = out + sq * queries * width + h * headWidth
                    var i = 0
                    while i + 4 <= queries {
                        scores4(qbase + i * width, kt: kt, mask: mask, into: pbase + i * stride)
                        i += 4
                    }
                    while i < queries {
                        scores1(qbase + i * width, kt: kt, mask: mask, into: pbase + i * stride)
                        i += 1
                    }
                    for i in 0..<queries { softmax(pbase + i * stride) }
                    i = 0
                    while i + 4 <= queries {
                        weightedRows4(pbase + i * stride, valueRows, col: h * headWidth, out: obase + i * width)
                        i += 4
                    }
                    while i < queries {
                        weightedRows(pbase + i * stride, valueRows, col: h * headWidth, out: obase + i * width)
                        i += 1
                    }
                }
            }
        }
    }

    /// Scaled, masked scores of one query row (`q[0..<dₕ]`) against the key tile → `p[0..<stride]`.
    @inline(__always) func scores1(_ q: UnsafePointer<Float>, kt: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                                   into p: UnsafeMutablePointer<Float>) {
        for b in 0..<blocks {
            var s = SIMD16<Float>()
            for c in 0..<headWidth { s += q[c] * load(kt + c * stride + b * 16) }
            store(s * scale + load(mask + b * 16), p + b * 16)
        }
    }

    /// `scores1` for four consecutive query rows (row stride `width`, score stride `stride`) at once.
    @inline(__always) func scores4(_ q: UnsafePointer<Float>, kt: UnsafePointer<Float>, mask: UnsafePointer<Float>,
                                   into p: UnsafeMutablePointer<Float>) {
        let q0 = q, q1 = q + width, q2 = q + 2 * width, q3 = q + 3 * width
        for b in 0..<blocks {
            var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
            for c in 0..<headWidth {
                let k = load(kt + c * stride + b * 16)
                s0 += q0[c] * k; s1 += q1[c] * k; s2 += q2[c] * k; s3 += q3[c] * k
            }
            let m = load(mask + b * 16)
            store(s0 * scale + m, p + b * 16)
            store(s1 * scale + m, p + stride + b * 16)
            store(s2 * scale + m, p + 2 * stride + b * 16)
            store(s3 * scale + m, p + 3 * stride + b * 16)
        }
    }

    /// In place: scores `[stride]` → probabilities (zeros when every key is masked).
    @inline(__always) func softmax(_ p: UnsafeMutablePointer<Float>) {
        var mx = -Float.infinity
        for b in 0..<blocks { mx = max(mx, FastMath.horizontalMax(load(p + b * 16))) }
        guard mx > -.infinity else {
            for b in 0..<blocks { store(.zero, p + b * 16) }
            return
        }
        var sum: Float = 0
        for b in 0..<blocks {
            let e = FastMath.exp(load(p + b * 16) - mx)
            store(e, p + b * 16)
            sum += FastMath.horizontalSum(e)
        }
        let inv = 1 / sum
        for b in 0..<blocks { store(load(p + b * 16) * inv, p + b * 16) }
    }

    /// `weightedRows` for four consecutive probability rows (stride `stride`) and output rows
    /// (stride `width`) at once.
    @inline(__always) func weightedRows4(_ p: UnsafePointer<Float>, _ rows: UnsafePointer<UnsafePointer<Float>>,
                                         col: Int, out: UnsafeMutablePointer<Float>) {
        guard headWidth == 8 else {
            for r in 0..<4 { weightedRows(p + r * stride, rows, col: col, out: out + r * width) }
            return
        }
        let p0 = p, p1 = p + stride, p2 = p + 2 * stride, p3 = p + 3 * stride
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for j in 0..<keyCount {
            let v = UnsafeRawPointer(rows[j] + col).loadUnaligned(as: SIMD8<Float>.self)
            a0 += p0[j] * v; a1 += p1[j] * v; a2 += p2[j] * v; a3 += p3[j] * v
        }
        UnsafeMutableRawPointer(out).storeBytes(of: a0, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + width).storeBytes(of: a1, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + 2 * width).storeBytes(of: a2, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + 3 * width).storeBytes(of: a3, as: SIMD8<Float>.self)
    }

    func backward(dy: UnsafePointer<Float>, q: UnsafePointer<Float>, keys: [UnsafePointer<Float>],
                  values: [UnsafePointer<Float>], probs: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>,
                  dk: [UnsafeMutablePointer<Float>], dv: [UnsafeMutablePointer<Float>]) {
        Parallel.forRanges(sequences, grain: 16) { seqs in
            let tileSize = headWidth * stride
            // The values' tile, then dS = P ⊙ (dP − rowsum(dP ⊙ P)) / √dₕ for every query, [nq, stride].
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tileSize + queries * stride)
            defer { scratch.deallocate() }
            scratch.initialize(repeating: 0, count: tileSize + queries * stride)
            let vt = scratch, g = scratch + tileSize
            let rowPointers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: 2 * keyCount)
            defer { rowPointers.deallocate() }
            let keyRows = rowPointers, valueRows = rowPointers + keyCount
            let gradientPointers = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 2 * keyCount)
            defer { gradientPointers.deallocate() }
            let dkRows = gradientPointers, dvRows = gradientPointers + keyCount
            for sq in seqs {
                rows(keys, sq, into: keyRows) { $0 + $1 }
                rows(values, sq, into: valueRows) { $0 + $1 }
                rows(dk, sq, into: dkRows) { $0 + $1 }
                rows(dv, sq, into: dvRows) { $0 + $1 }
                for h in 0..<heads {
                    let col = h * headWidth
                    transpose(valueRows, col: col, into: vt)
                    let ybase = dy + sq * queries * width + col, qbase = q + sq * queries * width + col
                    let pbase = probs + (sq * heads + h) * queries * stride
                    for i in 0..<queries {
                        scoreGradients(ybase + i * width, vt: vt, p: pbase + i * stride, into: g + i * stride)
                    }
                    // dQ_i = Σ_j dS[i, j] K_j
                    let dqbase = dq + sq * queries * width + col
                    var i = 0
                    while i + 4 <= queries {
                        weightedRows4(g + i * stride, keyRows, col: col, out: dqbase + i * width)
                        i += 4
                    }
                    while i < queries {
                        weightedRows(g + i * stride, keyRows, col: col, out: dqbase + i * width)
                        i += 1
                    }
                    // dK_j = Σ_i dS[i, j] Q_i, dV_j = Σ_i P[i, j] dO_i
                    columnWeightedRows(g, qbase, out: dkRows, col: col)
                    columnWeightedRows(pbase, ybase, out: dvRows, col: col)
                }
            }
        }
    }

    /// One query's `dS = P ⊙ (dP − Σ dP ⊙ P) / √dₕ` with `dP = dO Vᵀ` (values' tile `vt`) → `g[0..<stride]`.
    @inline(__always) func scoreGradients(_ dO: UnsafePointer<Float>, vt: UnsafePointer<Float>, p: UnsafePointer<Float>,
                                          into g: UnsafeMutablePointer<Float>) {
        var dot: Float = 0
        for b in 0..<blocks {
            var dp = SIMD16<Float>()
            for c in 0..<headWidth { dp += dO[c] * load(vt + c * stride + b * 16) }
            store(dp, g + b * 16)
            dot += FastMath.horizontalSum(dp * load(p + b * 16))
        }
        for b in 0..<blocks { store(load(p + b * 16) * (load(g + b * 16) - dot) * scale, g + b * 16) }
    }

    /// `out[j][col + c] = Σ_i w[i·stride + j] · x[i·width + c]` for j < nk, c < dₕ: the weights' columns
    /// times the nq rows of x (stride `width`), written to every key row (four keys at a time).
    @inline(__always) func columnWeightedRows(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                                              out: UnsafePointer<UnsafeMutablePointer<Float>>, col: Int) {
        guard headWidth == 8 else {
            for j in 0..<keyCount {
                for c in 0..<headWidth {
                    var acc: Float = 0
                    for i in 0..<queries { acc += w[i * stride + j] * x[i * width + c] }
                    out[j][col + c] = acc
                }
            }
            return
        }
        var j = 0
        while j < keyCount {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for i in 0..<queries {
                let v = UnsafeRawPointer(x + i * width).loadUnaligned(as: SIMD8<Float>.self)
                let wi = w + i * stride + j  // lanes past nk are padding (zero weights), within the row
                a0 += wi[0] * v; a1 += wi[1] * v; a2 += wi[2] * v; a3 += wi[3] * v
            }
            let n = keyCount - j
            UnsafeMutableRawPointer(out[j] + col).storeBytes(of: a0, as: SIMD8<Float>.self)
            if n > 1 { UnsafeMutableRawPointer(out[j + 1] + col).storeBytes(of: a1, as: SIMD8<Float>.self) }
            if n > 2 { UnsafeMutableRawPointer(out[j + 2] + col).storeBytes(of: a2, as: SIMD8<Float>.self) }
            if n > 3 { UnsafeMutableRawPointer(out[j + 3] + col).storeBytes(of: a3, as: SIMD8<Float>.self) }
            j += 4
        }
    }
}
