/// A reverse-mode autodiff tape over `Matrix` values.
///
/// Each op appends a node (its value and a backward closure) and returns a `Var` handle.
/// `backward(from:)` seeds `∂loss/∂loss = 1` and runs the closures in reverse order; each closure
/// reads its output gradient and accumulates into its inputs' gradients. Leaves made with
/// `parameter(_:)` add their gradient into `Parameter.grad` at the end, so several tapes (batches)
/// can accumulate before an optimiser step. A tape is used for one forward/backward, then dropped.
public final class Tape {
    /// Handle to a node: its index and shape.
    public struct Var: Sendable {
        public let id: Int
        public let rows: Int
        public let cols: Int
    }

    var values: [Matrix] = []
    var grads: [Matrix?] = []
    var backwards: [((Tape, Matrix) -> Void)?] = []
    var needsGrad: [Bool] = []
    var parameters: [(node: Int, parameter: Parameter)] = []
    /// Op name per node (for the profile).
    var names: [StaticString] = []
    /// Bytes this tape keeps until it is dropped: every node's value plus the tensors ops save for
    /// their backward (`saved(floats:)`); a bounded counter for memory budgets and tests.
    public private(set) var storedBytes = 0
    /// When set, forward and backward seconds are added per op name (see `TapeProfile`).
    public var profile: TapeProfile?
    var lastAppend: Double = 0

    public init(profile: TapeProfile? = nil) {
        self.profile = profile
        if profile != nil { lastAppend = TapeProfile.now() }
    }

    /// The value of `v`.
    @inline(__always) public func value(_ v: Var) -> Matrix { values[v.id] }

    /// The gradient of the last `backward` w.r.t. `v` (zeros when it did not reach `v`).
    public func gradient(_ v: Var) -> Matrix {
        grads[v.id] ?? Matrix(rows: v.rows, cols: v.cols)
    }

    /// A constant leaf (no gradient flows into it).
    public func constant(_ m: Matrix) -> Var { append(m, needsGrad: false, backward: nil) }

    /// A leaf whose gradient is recorded (read with `gradient(_:)`), e.g. for gradient checks.
    public func variable(_ m: Matrix) -> Var { append(m, needsGrad: true, backward: nil) }

    /// A leaf bound to a trainable parameter: `backward` adds its gradient into `p.grad`.
    public func parameter(_ p: Parameter) -> Var {
        let v = append(p.value, needsGrad: p.trainable, backward: nil)
        parameters.append((v.id, p))
        return v
    }

    /// Appends an op result. `backward` is called only when `result` received a gradient.
    func append(_ m: Matrix, needsGrad: Bool, backward: ((Tape, Matrix) -> Void)?,
                name: StaticString = "leaf") -> Var {
        if let profile {
            let t = TapeProfile.now()
            profile.add(name, forward: t - lastAppend)
            lastAppend = t
        }
        names.append(name)
        storedBytes += m.count * MemoryLayout<Float>.stride
        values.append(m)
        grads.append(nil)
        backwards.append(needsGrad ? backward : nil)
        self.needsGrad.append(needsGrad)
        return Var(id: values.count - 1, rows: m.rows, cols: m.cols)
    }

    /// Appends the result of an op on `inputs`; it needs a gradient when any input does.
    /// `backward(tape, dy)` gets the output gradient `dy` (shape of `m`) and accumulates into inputs.
    func op(_ m: Matrix, _ inputs: [Var], name: StaticString = #function,
            backward: @escaping (Tape, Matrix) -> Void) -> Var {
        let ng = inputs.contains { needsGrad[$0.id] }
        return append(m, needsGrad: ng, backward: backward, name: name)
    }

    /// Counts `floats` values an op keeps for its backward besides the node values (`storedBytes`).
    func saved(floats: Int) { storedBytes += floats * MemoryLayout<Float>.stride }

    /// Whether gradient must flow into `v`.
    @inline(__always) public func wants(_ v: Var) -> Bool { needsGrad[v.id] }

    /// Extension point for layer-level ops with a hand-written backward (e.g. checkpointed blocks):
    /// appends `value` computed from `inputs`; `backward(tape, dy)` must accumulate into the inputs
    /// with `accumulate` / `withGradient`.
    public func custom(_ value: Matrix, inputs: [Var], name: StaticString = #function,
                       backward: @escaping (Tape, Matrix) -> Void) -> Var {
        op(value, inputs, name: name, backward: backward)
    }

    /// `grad[v] += g` (allocating on first use). Skipped when `v` needs no gradient.
    public func accumulate(_ v: Var, _ g: Matrix) {
        guard needsGrad[v.id] else { return }
        if grads[v.id] == nil { grads[v.id] = g } else { grads[v.id]!.add(g) }
    }

    /// Mutable access to `grad[v]` (zeros on first use); `body` is skipped when `v` needs no gradient.
    public func withGradient(_ v: Var, _ body: (inout Matrix) -> Void) {
        guard needsGrad[v.id] else { return }
        if grads[v.id] == nil { grads[v.id] = Matrix(rows: v.rows, cols: v.cols) }
        body(&grads[v.id]!)
    }

    /// Back-propagates from the scalar `loss` (`[1, 1]`), scaled by `seed`, then adds the
    /// parameters' gradients into `Parameter.grad`.
    public func backward(from loss: Var, seed: Float = 1) {
        precondition(loss.rows == 1 && loss.cols == 1, "backward needs a scalar loss")
        grads[loss.id] = Matrix(rows: 1, cols: 1, repeating: seed)
        for i in stride(from: loss.id, through: 0, by: -1) {
            guard let dy = grads[i], let b = backwards[i] else { continue }
            if let profile {
                let t0 = TapeProfile.now()
                b(self, dy)
                profile.add(names[i], backward: TapeProfile.now() - t0)
            } else {
                b(self, dy)
            }
            // Every consumer of node i has a larger index, so its gradient is final: free it.
            backwards[i] = nil
            grads[i] = nil
        }
        for (node, p) in parameters where p.trainable {
            if let g = grads[node] { p.grad.add(g); p.touched = true }
        }
    }
}
