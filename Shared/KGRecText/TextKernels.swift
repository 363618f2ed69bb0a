import KGRecTensor

/// Inference-only kernels of the BERT encoder, 16 lanes at a time.
enum TextKernels {
    /// eˣ, Cephes `expf`: n = round(x·log₂e), r = x − n·ln 2 (two-part ln 2), degree-6 polynomial,
    /// times 2ⁿ built in the exponent bits. Relative error < 2e-7 on [−87, 88]; below → 0.
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let v = pointwiseMax(pointwiseMin(x, SIMD16(repeating: 88.0)), SIMD16(repeating: -87.0))
        let magic = SIMD16<Float>(repeating: 12_582_912)  // 1.5·2²³: adding it rounds to an integer
        let t = v * 1.442_695_04 + magic
        let n = t - magic
        let r = v - n * 0.693_359_375 + n * 2.121_944_40e-4
        var p = SIMD16<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let bits = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127
        let scale = unsafeBitCast(bits &<< 23, to: SIMD16<Float>.self)
        return p * scale
    }

    /// erf(x) by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the formula PyTorch's vectorised CPU
    /// `erf` uses.
    @inline(__always)
    static func erf(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p = SIMD16<Float>(repeating: 1.061_405_429)
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        p = p * t
        let y = 1 - p * exp(-(a * a))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// Exact (erf) GELU: x · ½ (1 + erf(x / √2)).
    @inline(__always)
    static func gelu(_ x: SIMD16<Float>) -> SIMD16<Float> {
        x * 0.5 * (1 + erf(x * 0.707_106_781_186_547_5))
    }

    /// Post-LayerNorm residual: `x[r] = LN(x[r] + y[r]) · γ + β` over each row, eps `eps`;
    /// x, y `[rows, d]`, γ, β `[d]`, d a multiple of 16.
    static func residualLayerNorm(_ x: inout Matrix, adding y: Matrix, gamma: [Float], beta: [Float], eps: Float) {
        let d = x.cols, rows = x.rows
        precondition(y.rows == rows && y.cols == d && d % 16 == 0)
        x.data.withUnsafeMutableBufferPointer { xp in
            y.data.withUnsafeBufferPointer { yp in
                gamma.withUnsafeBufferPointer { gp in
                    beta.withUnsafeBufferPointer { bep in
                        let X = xp.baseAddress!, Y = yp.baseAddress!, G = gp.baseAddress!, Be = bep.baseAddress!
                        Parallel.forRanges(rows, grain: max(1, 8192 / d)) { range in
                            for r in range { layerNormRow(X + r * d, Y + r * d, nil, G, Be, d: d, eps: eps) }
                        }
                    }
                }
            }
        }
    }

    /// One row: `x = LN(x + y + b) · γ + β` (y and b may be nil: plain LayerNorm of x).
    @inline(__always)
    static func layerNormRow(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>?, _ b: UnsafePointer<Float>?,
                             _ g: UnsafePointer<Float>, _ be: UnsafePointer<Float>, d: Int, eps: Float) {
        var sum = SIMD16<Float>()
        var j = 0
        while j < d {
            var v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<Float>.self)
            if let y { v += UnsafeRawPointer(y + j).loadUnaligned(as: SIMD16<Float>.self) }
            if let b { v += UnsafeRawPointer(b + j).loadUnaligned(as: SIMD16<Float>.self) }
            UnsafeMutableRawPointer(x + j).storeBytes(of: v, as: SIMD16<Float>.self)
            sum += v
            j += 16
        }
        let mean = sum.sum() / Float(d)
        var sq = SIMD16<Float>()
        j = 0
        while j < d {
            let c = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<Float>.self) - mean
            sq += c * c
            j += 16
        }
        let inv = 1 / (sq.sum() / Float(d) + eps).squareRoot()
        j = 0
        while j < d {
            let c = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<Float>.self) - mean
            let v = c * inv * UnsafeRawPointer(g + j).loadUnaligned(as: SIMD16<Float>.self)
                + UnsafeRawPointer(be + j).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(x + j).storeBytes(of: v, as: SIMD16<Float>.self)
            j += 16
        }
    }
}
