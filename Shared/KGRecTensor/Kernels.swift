#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Elementwise kernels shared by the tape ops; large inputs are split across cores.
public enum Kernels {
    /// Below this many elements an elementwise loop stays on the calling thread.
    static let grain = 1 << 15

    /// `out[i] = f(x[i])`, same shape as `x`.
    @inline(__always)
    public static func map(_ x: Matrix, _ f: (Float) -> Float) -> Matrix {
        var out = Matrix(rows: x.rows, cols: x.cols)
        x.data.withUnsafeBufferPointer { xp in
            out.data.withUnsafeMutableBufferPointer { op in
                let X = xp.baseAddress, O = op.baseAddress
                guard let X, let O else { return }
                Parallel.forRanges(x.count, grain: grain) { r in
                    for i in r { O[i] = f(X[i]) }
                }
            }
        }
        return out
    }

    /// `out[i] = f(x[i], y[i])` (same shapes).
    @inline(__always)
    public static func zip(_ x: Matrix, _ y: Matrix, _ f: (Float, Float) -> Float) -> Matrix {
        precondition(x.rows == y.rows && x.cols == y.cols, "elementwise shape mismatch \(x.shape) \(y.shape)")
        var out = Matrix(rows: x.rows, cols: x.cols)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeBufferPointer { yp in
                out.data.withUnsafeMutableBufferPointer { op in
                    let X = xp.baseAddress, Y = yp.baseAddress, O = op.baseAddress
                    guard let X, let Y, let O else { return }
                    Parallel.forRanges(x.count, grain: grain) { r in
                        for i in r { O[i] = f(X[i], Y[i]) }
                    }
                }
            }
        }
        return out
    }

    /// `out[i] = f(x[i], y[i], z[i])` (same shapes).
    @inline(__always)
    public static func zip3(_ x: Matrix, _ y: Matrix, _ z: Matrix, _ f: (Float, Float, Float) -> Float) -> Matrix {
        precondition(x.count == y.count && x.count == z.count, "elementwise shape mismatch")
        var out = Matrix(rows: x.rows, cols: x.cols)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeBufferPointer { yp in
                z.data.withUnsafeBufferPointer { zp in
                    out.data.withUnsafeMutableBufferPointer { op in
                        let X = xp.baseAddress, Y = yp.baseAddress, Z = zp.baseAddress, O = op.baseAddress
                        guard let X, let Y, let Z, let O else { return }
                        Parallel.forRanges(x.count, grain: grain) { r in
                            for i in r { O[i] = f(X[i], Y[i], Z[i]) }
                        }
                    }
                }
            }
        }
        return out
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
