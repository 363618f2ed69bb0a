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

    /// eˣ, 16 lanes (Cephes `expf`: `x = n·ln 2 + r` with a two-part ln 2, a degree-5 polynomial for
    /// `eʳ` on |r| ≤ ln 2 / 2, then `2ⁿ` from the exponent bits). Relative error ≤ 2.5e-7 against
    /// Double `exp` on [−87, 88] (`vectorExpMatchesTheDoubleExponential`); x < −87.34 (including −∞)
    /// gives 0 and x > 88.37 gives +∞. For the attention softmax, whose inputs are ≤ 0.
    @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let lo: Float = -87.336_544_750_553_1, hi: Float = 88.376_262_664_794_9
        let v = pointwiseMax(pointwiseMin(x, SIMD16(repeating: hi)), SIMD16(repeating: lo))
        // n = round(v·log₂e) by the 1.5·2²³ trick (round to nearest even, |n| ≤ 128).
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let t = v * 1.442_695_040_888_963_4 + magic
        let n = t - magic
        let r = v - n * 0.693_359_375 + n * 2.121_944_400_546_905_8e-4
        var p = SIMD16<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        // 2ⁿ: the low bits of t hold n; (n + 127) << 23 is 2ⁿ's bit pattern.
        let bits = (unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self) &+ 127) &<< 23
        let scaled = p * unsafeBitCast(bits, to: SIMD16<Float>.self)
        return scaled.replacing(with: 0, where: x .< lo).replacing(with: .infinity, where: x .> hi)
    }

    /// The sum of the 16 lanes by a pairwise tree (`SIMD.sum()` is a generic call in hot loops).
    @inline(__always)
    public static func horizontalSum(_ v: SIMD16<Float>) -> Float {
        let a = v.lowHalf + v.highHalf, b = a.lowHalf + a.highHalf, c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// The largest of the 16 lanes (a max tree; no NaN handling: for finite values and ±∞).
    @inline(__always)
    public static func horizontalMax(_ v: SIMD16<Float>) -> Float {
        let x = v.lowHalf, y = v.highHalf
        let a = x.replacing(with: y, where: x .< y)
        let al = a.lowHalf, ah = a.highHalf
        let b = al.replacing(with: ah, where: al .< ah)
        let m0 = b[0] > b[1] ? b[0] : b[1], m1 = b[2] > b[3] ? b[2] : b[3]
        return m0 > m1 ? m0 : m1
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
