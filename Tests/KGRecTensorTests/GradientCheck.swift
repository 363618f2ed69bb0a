import KGRecTensor

/// Finite-difference gradient checking for tape ops.
///
/// The checked scalar is `L = Σ out ⊙ R` with a fixed random `R` (so every output element matters).
/// Analytic gradients come from `Tape.backward`; numeric ones from central differences
/// `(L(x + ε) − L(x − ε)) / 2ε` per input element. The result is the worst relative error
/// `‖g_analytic − g_numeric‖ / max(‖g_analytic‖, ‖g_numeric‖, 1e-6)` over the inputs. With
/// `coordinates`, at most that many seeded random elements of each input are differenced (production
/// shapes, where differencing every element would take minutes).
enum GradientCheck {
    static func relativeError(inputs: [Matrix], epsilon: Float = 1e-2, seed: UInt64 = 7, coordinates: Int? = nil,
                              _ build: (Tape, [Tape.Var]) -> Tape.Var) -> Double {
        // Fix the projection R from one forward pass's output shape.
        let probe = Tape()
        let out0 = build(probe, inputs.map { probe.constant($0) })
        var rng = Xoshiro256(seed: seed)
        let r = Matrix.uniform(rows: out0.rows, cols: out0.cols, -1, 1, rng: &rng)

        func loss(_ xs: [Matrix]) -> Double {
            let t = Tape()
            let out = build(t, xs.map { t.constant($0) })
            let v = t.value(out)
            var s = 0.0
            for i in 0..<v.count { s += Double(v.data[i]) * Double(r.data[i]) }
            return s
        }

        let tape = Tape()
        let vars = inputs.map { tape.variable($0) }
        let out = build(tape, vars)
        let l = tape.sum(tape.mask(out, r))
        tape.backward(from: l)

        var worst = 0.0
        var pick = Xoshiro256(seed: seed &+ 1)
        for (k, x) in inputs.enumerated() {
            let analytic = tape.gradient(vars[k])
            var diff = 0.0, na = 0.0, nn = 0.0
            let picks = coordinates.map { c in x.count <= c ? Array(0..<x.count) : (0..<c).map { _ in pick.below(x.count) } }
                ?? Array(0..<x.count)
            for i in picks {
                var xs = inputs
                xs[k].data[i] = x.data[i] + epsilon
                let lp = loss(xs)
                xs[k].data[i] = x.data[i] - epsilon
                let lm = loss(xs)
                let numeric = (lp - lm) / (2 * Double(epsilon))
                let a = Double(analytic.data[i])
                diff += (a - numeric) * (a - numeric)
                na += a * a
                nn += numeric * numeric
            }
            worst = max(worst, diff.squareRoot() / max(na.squareRoot(), nn.squareRoot(), 1e-6))
        }
        return worst
    }

    /// A seeded random matrix in [lo, hi).
    static func random(_ rows: Int, _ cols: Int, seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) -> Matrix {
        var rng = Xoshiro256(seed: seed)
        return Matrix.uniform(rows: rows, cols: cols, lo, hi, rng: &rng)
    }
}
