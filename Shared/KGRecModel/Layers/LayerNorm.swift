import KGRecTensor

/// Layer normalisation over the last dimension with learnable γ (ones) and β (zeros), both `[1, d]`.
public final class LayerNorm {
    public let gamma: Parameter
    public let beta: Parameter

    public init(_ name: String, width: Int) {
        gamma = Parameter("\(name).gamma", Matrix(rows: 1, cols: width, repeating: 1))
        beta = Parameter("\(name).beta", Matrix(rows: 1, cols: width))
    }

    /// x `[B, d]` → `[B, d]`; with `residual` r `[B, d]`, LN(x + r) in one node.
    public func callAsFunction(_ tape: Tape, _ x: Tape.Var, residual: Tape.Var? = nil) -> Tape.Var {
        tape.layerNorm(x, residual: residual, gamma: tape.parameter(gamma), beta: tape.parameter(beta))
    }

    public var parameters: [Parameter] { [gamma, beta] }
}
