extension Matrix {
    /// Xavier (Glorot) uniform `[rows, cols]`: U(−a, a), `a = sqrt(6 / (fanIn + fanOut))` with
    /// `fanIn = rows`, `fanOut = cols` (weights are stored `[in, out]`).
    public static func xavierUniform(rows: Int, cols: Int, rng: inout Xoshiro256) -> Matrix {
        let a = (6.0 / Float(rows + cols)).squareRoot()
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.data[i] = rng.uniform(-a, a) }
        return m
    }

    /// Uniform U(lo, hi) `[rows, cols]`.
    public static func uniform(rows: Int, cols: Int, _ lo: Float, _ hi: Float,
                               rng: inout Xoshiro256) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.data[i] = rng.uniform(lo, hi) }
        return m
    }
}
