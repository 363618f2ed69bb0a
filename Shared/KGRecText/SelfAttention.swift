import KGRecTensor

/// Multi-head scaled dot-product self-attention over packed sequences (no padding, no mask).
enum SelfAttention {
    /// qkv `[N, 3H]` (query | key | value, each head h at columns `h·d ..< (h+1)·d`, d = H / heads),
    /// sequence s at rows `offsets[s] ..< offsets[s+1]` → context `[N, H]`:
    /// `softmax(q_h k_hᵀ / √d) v_h` for every sequence and head, split across cores by (sequence, head).
    static func context(_ qkv: Matrix, offsets: [Int], heads: Int) -> Matrix {
        let n = qkv.rows, width = qkv.cols / 3, d = width / heads
        precondition(qkv.cols == 3 * width && width % heads == 0 && d % 16 == 0)
        var out = Matrix(uninitializedRows: n, cols: width)
        let sequences = offsets.count - 1
        let longest = (0..<max(sequences, 0)).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
        let scale = 1 / Float(d).squareRoot()
        qkv.data.withUnsafeBufferPointer { qp in
            out.data.withUnsafeMutableBufferPointer { op in
                let Q = qp.baseAddress!, O = op.baseAddress!
                let tasks = sequences * heads
                let work = offsets.last! * longest * width
                Parallel.forRanges(tasks, grain: work < 1 << 16 ? tasks : 1) { range in
                    var scores = [Float](repeating: 0, count: (longest + 15) & ~15)
                    scores.withUnsafeMutableBufferPointer { sp in
                        let S = sp.baseAddress!
                        for task in range {
                            let s = task / heads, head = task % heads
                            let o = offsets[s], t = offsets[s + 1] - o
                            let stride = 3 * width
                            for i in 0..<t {
                                let q = Q + (o + i) * stride + head * d
                                var top = -Float.infinity
                                for j in 0..<t {
                                    let k = Q + (o + j) * stride + width + head * d
                                    var acc = SIMD16<Float>()
                                    var c = 0
                                    while c < d {
                                        acc += UnsafeRawPointer(q + c).loadUnaligned(as: SIMD16<Float>.self)
                                            * UnsafeRawPointer(k + c).loadUnaligned(as: SIMD16<Float>.self)
                                        c += 16
                                    }
                                    let v = acc.sum() * scale
                                    S[j] = v
                                    top = max(top, v)
                                }
                                // softmax over S[0..<t]; padding lanes past t are computed and ignored.
                                var total = SIMD16<Float>()
                                var j = 0
                                while j < t {
                                    var e = FastMath.exp(UnsafeRawPointer(S + j).loadUnaligned(as: SIMD16<Float>.self) - top)
                                    if j + 16 > t { for l in (t - j)..<16 { e[l] = 0 } }
                                    UnsafeMutableRawPointer(S + j).storeBytes(of: e, as: SIMD16<Float>.self)
                                    total += e
                                    j += 16
                                }
                                let inv = 1 / total.sum()
                                let dst = O + (o + i) * width + head * d
                                var c = 0
                                while c < d {
                                    var acc = SIMD16<Float>()
                                    for j in 0..<t {
                                        let v = Q + (o + j) * stride + 2 * width + head * d + c
                                        acc += S[j] * UnsafeRawPointer(v).loadUnaligned(as: SIMD16<Float>.self)
                                    }
                                    UnsafeMutableRawPointer(dst + c).storeBytes(of: acc * inv, as: SIMD16<Float>.self)
                                    c += 16
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
