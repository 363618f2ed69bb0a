import KGRecTensor

/// Inference-only kernels of the BERT encoder, 16 lanes at a time.
enum TextKernels {
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
        let y = 1 - p * FastMath.exp(-(a * a))
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
