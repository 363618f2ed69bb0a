import KGRecTensor

/// Layer-0 projection of one modality's raw content vectors: `LeakyReLU(f W + b)`, raw width → d
/// (seed 001: 512-d CLIP features → 64-d).
public final class ModalityProjection {
    public let linear: Linear
    public let slope: Float

    public init(_ name: String, rawWidth: Int, width: Int, slope: Float, rng: inout Xoshiro256) {
        linear = Linear(name, input: rawWidth, output: width, rng: &rng)
        self.slope = slope
    }

    /// raw `[P, rawWidth]` (a constant) → `[P, d]`.
    public func callAsFunction(_ tape: Tape, _ raw: Matrix) -> Tape.Var {
        tape.leakyReLU(linear(tape, tape.constant(raw)), slope: slope)
    }

    public var parameters: [Parameter] { linear.parameters }
}
