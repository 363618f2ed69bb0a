/// SIMD inner products between a user row and item rows `[visual | text]`. A score is always
/// computed as `visual part + text part` (two block dot products), so Score and Recommend give
/// bit-identical numbers and the explanation sums exactly to the score.
enum ScoreKernel {
    /// `Σ_{j<n} a[j]·b[j]`, 16 floats per step in two SIMD8 accumulators, scalar tail.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var j = 0
        while j + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: 4 * j + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * j + 32, as: SIMD8<Float>.self)
            j += 16
        }
        if j + 8 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * j, as: SIMD8<Float>.self)
            j += 8
        }
        var s = (acc0 + acc1).sum()
        while j < n {
            s += a[j] * b[j]
            j += 1
        }
        return s
    }

    /// The visual and text parts of `user · matrix[row]`; `user` is `[layout.width]`.
    static func parts(user: [Float], _ c: ItemCatalogue, row: Int) -> (visual: Float, text: Float) {
        let (wv, wt, d) = (c.layout.visual, c.layout.text, c.layout.width)
        guard d > 0 else { return (0, 0) }
        return user.withUnsafeBufferPointer { u in
            c.matrix.withUnsafeBufferPointer { m in
                let v = m.baseAddress! + row * d, uu = u.baseAddress!
                return (dot(uu, v, wv), dot(uu + wv, v + wv, wt))
            }
        }
    }

    /// `out[r] = user · matrix[r]` (visual part + text part) for every row; `out` is `[count]`.
    static func scoreAll(user: [Float], _ c: ItemCatalogue, into out: inout [Float]) {
        let (wv, wt, d, n) = (c.layout.visual, c.layout.text, c.layout.width, c.count)
        precondition(user.count == d && out.count == n)
        guard d > 0 else {
            for r in 0..<n { out[r] = 0 }
            return
        }
        user.withUnsafeBufferPointer { u in
            c.matrix.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    let uu = u.baseAddress!
                    guard var v = m.baseAddress else { return }
                    for r in 0..<n {
                        o[r] = dot(uu, v, wv) + dot(uu + wv, v + wv, wt)
                        v += d
                    }
                }
            }
        }
    }
}
