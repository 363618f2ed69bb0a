/// A dense row-major float32 matrix `[rows, cols]`; a vector is `[1, n]` or `[n, 1]`.
///
/// A value type (copy-on-write through `Array`). Kernels reach the storage with
/// `withUnsafe(Mutable)BufferPointer` so hot loops do no bounds checks or retain/release.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    /// `rows * cols` elements, row `r` at `[r * cols, (r + 1) * cols)`.
    public var data: [Float]

    /// A zero matrix `[rows, cols]`.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "negative shape")
        self.rows = rows
        self.cols = cols
        data = [Float](repeating: 0, count: rows * cols)
    }

    /// A matrix `[rows, cols]` whose elements the caller overwrites entirely before reading
    /// (skips zero-filling; used for kernel outputs).
    @inline(__always)
    public init(uninitializedRows rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        data = [Float](unsafeUninitializedCapacity: rows * cols) { _, n in n = rows * cols }
    }

    /// A matrix `[rows, cols]` filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float) {
        self.rows = rows
        self.cols = cols
        data = [Float](repeating: value, count: rows * cols)
    }

    /// Wraps `data` (count must be `rows * cols`).
    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(data.count == rows * cols, "Matrix data count \(data.count) != \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// Number of elements.
    public var count: Int { rows * cols }

    /// Shape as `(rows, cols)`.
    public var shape: (Int, Int) { (rows, cols) }

    @inline(__always)
    public subscript(r: Int, c: Int) -> Float {
        get { data[r * cols + c] }
        set { data[r * cols + c] = newValue }
    }

    /// A copy of row `r`, `[cols]`.
    public func row(_ r: Int) -> [Float] { Array(data[r * cols..<(r + 1) * cols]) }

    /// The transpose `[cols, rows]`.
    public func transposed() -> Matrix {
        var out = Matrix(rows: cols, cols: rows)
        let (m, n) = (rows, cols)
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                // 32x32 tiles keep both sides in cache.
                var i0 = 0
                while i0 < m {
                    let i1 = min(i0 + 32, m)
                    var j0 = 0
                    while j0 < n {
                        let j1 = min(j0 + 32, n)
                        for i in i0..<i1 { for j in j0..<j1 { dst[j * m + i] = src[i * n + j] } }
                        j0 = j1
                    }
                    i0 = i1
                }
            }
        }
        return out
    }

    /// Sum of squares of all elements (accumulated in Double).
    public func squaredNorm() -> Double {
        var s = 0.0
        for v in data { s += Double(v) * Double(v) }
        return s
    }
}
