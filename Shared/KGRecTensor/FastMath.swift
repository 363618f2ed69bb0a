/// Vectorised transcendental functions for hot loops.
public enum FastMath {
    /// tanh by the [13/6] rational approximation Eigen uses (|error| < 1e-6 on float), 16 lanes.
    @inline(__always)
    public static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let clamp: Float = 7.905_311_107_635_498_05
        let v = pointwiseMax(pointwiseMin(x, SIMD16(repeating: clamp)), SIMD16(repeating: -clamp))
        let x2 = v * v
        var p = SIMD16<Float>(repeating: -2.760_768_477_423_55e-16)
        p = p * x2 + 2.000_187_904_824_77e-13
        p = p * x2 - 8.604_671_522_137_35e-11
        p = p * x2 + 5.122_297_090_371_14e-08
        p = p * x2 + 1.485_722_357_179_79e-05
        p = p * x2 + 6.372_619_288_754_36e-04
        p = p * x2 + 4.893_524_558_917_86e-03
        p = p * v
        var q = SIMD16<Float>(repeating: 1.198_258_394_667_02e-06)
        q = q * x2 + 1.185_347_056_866_54e-04
        q = q * x2 + 2.268_434_632_439_00e-03
        q = q * x2 + 4.893_525_185_543_85e-03
        return p / q
    }

    /// Scalar tanh through the same approximation (for tails).
    @inline(__always)
    public static func tanh(_ x: Float) -> Float { tanh(SIMD16(repeating: x))[0] }

    /// `Σ_c a[c] · tanh(b[c] + e[c])` over `d` elements (knowledge-aware attention logit).
    @inline(__always)
    public static func dotTanh(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ e: UnsafePointer<Float>,
                               _ d: Int) -> Float {
        var acc = SIMD16<Float>()
        var c = 0
        while c + 16 <= d {
            let av = UnsafeRawPointer(a + c).loadUnaligned(as: SIMD16<Float>.self)
            let bv = UnsafeRawPointer(b + c).loadUnaligned(as: SIMD16<Float>.self)
            let ev = UnsafeRawPointer(e + c).loadUnaligned(as: SIMD16<Float>.self)
            acc += av * tanh(bv + ev)
            c += 16
        }
        var s = acc.sum()
        while c < d { s += a[c] * tanh(b[c] + e[c]); c += 1 }
        return s
    }
}
