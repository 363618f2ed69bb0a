#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Elementwise kernels shared by the tape ops; large inputs are split across cores.
public enum Kernels {
    /// Below this many elements an elementwise loop stays on the calling thread.
    static let grain = 1 << 15

    /// `out[i] = f(x[i])`, same shape as `x`, 16 lanes at a time (the last chunk zero-padded).
    @inline(__always)
    public static func map(_ x: Matrix, _ f: (SIMD16<Float>) -> SIMD16<Float>) -> Matrix {
        var out = Matrix(uninitializedRows: x.rows, cols: x.cols)
        let n = x.count
        x.data.withUnsafeBufferPointer { xp in
            out.data.withUnsafeMutableBufferPointer { op in
                guard let X = xp.baseAddress, let O = op.baseAddress else { return }
                Parallel.forRanges((n + 15) / 16, grain: grain / 16) { r in
                    for blk in r {
                        let i = blk * 16
                        if i + 16 <= n {
                            let v = f(UnsafeRawPointer(X + i).loadUnaligned(as: SIMD16<Float>.self))
                            UnsafeMutableRawPointer(O + i).storeBytes(of: v, as: SIMD16<Float>.self)
                        } else {
                            var a = SIMD16<Float>()
                            for k in 0..<(n - i) { a[k] = X[i + k] }
                            let v = f(a)
                            for k in 0..<(n - i) { O[i + k] = v[k] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `out[i] = f(x[i], y[i])` (same shapes), 16 lanes at a time.
    @inline(__always)
    public static func zip(_ x: Matrix, _ y: Matrix,
                           _ f: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) -> Matrix {
        precondition(x.rows == y.rows && x.cols == y.cols, "elementwise shape mismatch \(x.shape) \(y.shape)")
        var out = Matrix(uninitializedRows: x.rows, cols: x.cols)
        let n = x.count
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeBufferPointer { yp in
                out.data.withUnsafeMutableBufferPointer { op in
                    guard let X = xp.baseAddress, let Y = yp.baseAddress, let O = op.baseAddress else { return }
                    Parallel.forRanges((n + 15) / 16, grain: grain / 16) { r in
                        for blk in r {
                            let i = blk * 16
                            if i + 16 <= n {
                                let v = f(UnsafeRawPointer(X + i).loadUnaligned(as: SIMD16<Float>.self),
                                          UnsafeRawPointer(Y + i).loadUnaligned(as: SIMD16<Float>.self))
                                UnsafeMutableRawPointer(O + i).storeBytes(of: v, as: SIMD16<Float>.self)
                            } else {
                                var a = SIMD16<Float>(), b = SIMD16<Float>()
                                for k in 0..<(n - i) { a[k] = X[i + k]; b[k] = Y[i + k] }
                                let v = f(a, b)
                                for k in 0..<(n - i) { O[i + k] = v[k] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Scalar `out[i] = f(x[i])` for functions without a SIMD form (exp, log); not for hot paths.
    public static func mapScalar(_ x: Matrix, _ f: (Float) -> Float) -> Matrix {
        Matrix(rows: x.rows, cols: x.cols, data: x.data.map(f))
    }

    /// Scalar `out[i] = f(x[i], y[i])`; not for hot paths.
    public static func zipScalar(_ x: Matrix, _ y: Matrix, _ f: (Float, Float) -> Float) -> Matrix {
        precondition(x.count == y.count, "elementwise shape mismatch \(x.shape) \(y.shape)")
        return Matrix(rows: x.rows, cols: x.cols, data: Swift.zip(x.data, y.data).map(f))
    }

    /// `x` where `x > 0`, else `slope · x` (LeakyReLU), 16 lanes.
    @inline(__always)
    public static func leaky(_ x: SIMD16<Float>, _ slope: Float) -> SIMD16<Float> {
        pointwiseMax(x, .zero) + slope * pointwiseMin(x, .zero)
    }

    /// LeakyReLU derivative times `g`: `g` where `x > 0`, else `slope · g`.
    @inline(__always)
    public static func leakyGrad(_ g: SIMD16<Float>, _ x: SIMD16<Float>, _ slope: Float) -> SIMD16<Float> {
        g.replacing(with: slope * g, where: x .<= 0)
    }

    /// `Σ a[c]·b[c]` over n elements, 8 lanes at a time (attention heads are 8 wide).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var c = 0
        var acc = SIMD8<Float>()
        while c + 8 <= n {
            acc += UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self)
            c += 8
        }
        var s = acc.sum()
        while c < n { s += a[c] * b[c]; c += 1 }
        return s
    }

    /// `y[c] += alpha · x[c]` over n elements, 8 lanes at a time.
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var c = 0
        while c + 8 <= n {
            let v = UnsafeRawPointer(y + c).loadUnaligned(as: SIMD8<Float>.self)
                + alpha * UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + c).storeBytes(of: v, as: SIMD8<Float>.self)
            c += 8
        }
        while c < n { y[c] += alpha * x[c]; c += 1 }
    }

    /// Numerically stable `ln σ(x)` = `−softplus(−x)`.
    @inline(__always)
    public static func logSigmoid(_ x: Float) -> Float {
        x >= 0 ? -log1pf(expf(-x)) : x - log1pf(expf(x))
    }

    /// `σ(x) = 1 / (1 + e^−x)`.
    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + expf(-x)) : { let e = expf(x); return e / (1 + e) }()
    }

    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
}
