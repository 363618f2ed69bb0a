extension Kernels {
    /// The Bi-Interaction aggregator without a tape, the same arithmetic as `Tape.biInteraction`'s
    /// forward: e, n `[N, d_in]`; W1, W2 `[d_in, d_out]`; b1, b2 `[1, d_out]` →
    /// `LeakyReLU((e + n) W1 + b1) + LeakyReLU((e ⊙ n) W2 + b2)` `[N, d_out]`.
    public static func biInteraction(_ e: Matrix, _ n: Matrix, w1: Matrix, b1: Matrix, w2: Matrix, b2: Matrix,
                                     slope: Float) -> Matrix {
        precondition(e.rows == n.rows && e.cols == n.cols && w1.rows == e.cols && w2.rows == e.cols,
                     "biInteraction shape mismatch")
        var (z1, z2) = zip2(e, n) { ($0 + $1, $0 * $1) }
        z1 = GEMM.multiply(z1, w1)
        z2 = GEMM.multiply(z2, w2)
        return biasedLeakySum(&z1, &z2, b1, b2, slope: slope)
    }
}
