#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// A user row quantised to int16 per block, `u ≈ scale·q`, for scanning an int8 `ScoreMatrix` with
/// integer multiply-adds (the coarse pass of a refined scan, `TopKScan.refined`): a part is
/// `rowScale · scale · Σ q·q8`, the sum exact in Int32. Per value the user's error is ≤ scale/2,
/// `scale = max|u| / L` with `L = min(32767, ⌊(2³¹−1) / (127·n)⌋)` for a block of `n` values, so
/// the sum cannot overflow; against the fp32-user `parts` of the same int8 row a part moves by at
/// most `rowScale · scale/2 · Σ|q8|`. Used only to choose candidates: the scores a caller sees come
/// from `parts`.
public struct Int16Query: Sendable {
    /// `[width]`: the first block's values then the second's.
    public let values: [Int16]
    /// The two blocks' scales.
    public let scale: SIMD2<Float>

    /// `user` (`[width]`) quantised for a matrix whose first block is `split` wide.
    public init(_ user: UnsafePointer<Float>, width: Int, split: Int) {
        var q = [Int16](repeating: 0, count: width)
        var s = SIMD2<Float>()
        for (b, range) in [(0, 0..<split), (1, split..<width)] where !range.isEmpty {
            var m: Float = 0
            for j in range { m = max(m, abs(user[j])) }
            let limit = Float(min(32767, Int(Int32.max) / (127 * range.count)))
            guard m > 0 else { continue }
            s[b] = m / limit
            for j in range { q[j] = Int16(max(-limit, min(limit, (user[j] / s[b]).rounded()))) }
        }
        values = q
        scale = s
    }

    /// `Σ_{j<n} u[j]·q[j]` over int16 `u` and int8 `q`, exact: AVX2 `vpmaddwd` 16 values a step.
    @inline(__always)
    static func dot(_ u: UnsafePointer<Int16>, _ q: UnsafeRawPointer, _ n: Int) -> Int32 {
        var j = 0
        var s: Int32 = 0
        #if arch(x86_64)
        var acc = _mm256_setzero_si256()
        while j + 16 <= n {
            let b = _mm256_cvtepi8_epi16(q.loadUnaligned(fromByteOffset: j, as: __m128i.self))
            let w = UnsafeRawPointer(u).loadUnaligned(fromByteOffset: 2 * j, as: __m256i.self)
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(b, w))
            j += 16
        }
        s = unsafeBitCast(acc, to: SIMD8<Int32>.self).wrappedSum()
        #endif
        while j < n {
            s &+= Int32(u[j]) &* Int32(q.load(fromByteOffset: j, as: Int8.self))
            j += 1
        }
        return s
    }
}

extension ScoreMatrix {
    /// `(first, second)` block inner products of the int16 user `query` with int8 row `r`.
    @inline(__always)
    public func coarseParts(_ query: UnsafePointer<Int16>, scale: SIMD2<Float>, row r: Int) -> SIMD2<Float> {
        precondition(precision == .int8)
        let p = UnsafeRawPointer(storage) + r * rowBytes
        let rowScale = UnsafeRawPointer(scales!).loadUnaligned(fromByteOffset: 8 * r, as: SIMD2<Float>.self)
        let sums = SIMD2<Float>(Float(Int16Query.dot(query, p, split)),
                                Float(Int16Query.dot(query + split, p + split, width - split)))
        return rowScale * scale * sums
    }
}
