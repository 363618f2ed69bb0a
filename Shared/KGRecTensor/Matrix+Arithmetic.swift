extension Matrix {
    /// `self += other` elementwise (same shape).
    public mutating func add(_ other: Matrix) {
        precondition(rows == other.rows && cols == other.cols, "add shape mismatch \(shape) \(other.shape)")
        let n = count
        data.withUnsafeMutableBufferPointer { d in
            other.data.withUnsafeBufferPointer { o in
                let dp = d.baseAddress!, op = o.baseAddress!
                var i = 0
                while i + 16 <= n {
                    let v = UnsafeRawPointer(dp + i).loadUnaligned(as: SIMD16<Float>.self)
                        + UnsafeRawPointer(op + i).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(dp + i).storeBytes(of: v, as: SIMD16<Float>.self)
                    i += 16
                }
                while i < n { dp[i] += op[i]; i += 1 }
            }
        }
    }

    /// `self += alpha * other` elementwise (same shape).
    public mutating func add(_ other: Matrix, scaledBy alpha: Float) {
        precondition(rows == other.rows && cols == other.cols, "axpy shape mismatch \(shape) \(other.shape)")
        let n = count
        data.withUnsafeMutableBufferPointer { d in
            other.data.withUnsafeBufferPointer { o in
                let dp = d.baseAddress!, op = o.baseAddress!
                var i = 0
                while i + 16 <= n {
                    let v = UnsafeRawPointer(dp + i).loadUnaligned(as: SIMD16<Float>.self)
                        + alpha * UnsafeRawPointer(op + i).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(dp + i).storeBytes(of: v, as: SIMD16<Float>.self)
                    i += 16
                }
                while i < n { dp[i] += alpha * op[i]; i += 1 }
            }
        }
    }

    /// Sets every element to zero, keeping the storage.
    public mutating func zero() {
        data.withUnsafeMutableBufferPointer { d in d.update(repeating: 0) }
    }

    /// Column sums `[1, cols]`.
    public func columnSums() -> Matrix {
        var out = Matrix(rows: 1, cols: cols)
        data.withUnsafeBufferPointer { d in
            out.data.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    let base = r * cols
                    for c in 0..<cols { o[c] += d[base + c] }
                }
            }
        }
        return out
    }
}
