import KGRecTensor

/// A dense layer `y = x W + b`: W `[in, out]` (Xavier uniform), b `[1, out]` (zeros, optional).
public final class Linear {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ name: String, input: Int, output: Int, bias: Bool = true, rng: inout Xoshiro256) {
        weight = Parameter("\(name).weight", .xavierUniform(rows: input, cols: output, rng: &rng))
        self.bias = bias ? Parameter("\(name).bias", Matrix(rows: 1, cols: output)) : nil
    }

    /// x `[B, in]` → `[B, out]`.
    public func callAsFunction(_ tape: Tape, _ x: Tape.Var) -> Tape.Var {
        tape.linear(x, tape.parameter(weight), bias.map { tape.parameter($0) })
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }
}
