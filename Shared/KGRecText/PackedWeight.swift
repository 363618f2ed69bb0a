import KGRecTensor

/// A linear layer's weight packed for inference, `y = x · Wᵀ + b`: W `[N, K]` (PyTorch `Linear`
/// layout) as `PackedPanels` of `Wᵀ` (the 6×16 FMA kernel in KGRecTensor), with its bias.
struct PackedWeight: Sendable {
    let packed: PackedPanels
    let bias: [Float]  // [N]

    init(weight w: Matrix, bias: [Float]) {
        precondition(w.rows % 16 == 0 && bias.count == w.rows, "weight [\(w.rows), \(w.cols)], bias \(bias.count)")
        packed = PackedPanels(transposed: w)
        self.bias = bias
    }

    var inputs: Int { packed.inputs }
    var outputs: Int { packed.outputs }

    /// x `[M, K]` → `[M, N]` = x · Wᵀ + b, then exact GELU when `gelu`.
    func apply(_ x: Matrix, gelu: Bool = false) -> Matrix {
        precondition(x.cols == inputs, "x [\(x.rows), \(x.cols)] vs weight input width \(inputs)")
        if gelu { return packed.multiply(x, bias: bias, activation: { TextKernels.gelu($0) }) }
        return packed.multiply(x, bias: bias)
    }
}
