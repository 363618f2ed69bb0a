import KGRecTensor

/// Losses shared by the models.
public enum Losses {
    /// BPR `mean(−ln σ(pos − neg))`: pos, neg `[B, 1]` → `[1, 1]`.
    public static func bpr(_ tape: Tape, positive: Tape.Var, negative: Tape.Var) -> Tape.Var {
        tape.scale(tape.mean(tape.logSigmoid(tape.sub(positive, negative))), -1)
    }

    /// TransR pairwise loss `mean(−ln σ(g(h,r,t′) − g(h,r,t)))`: g's `[B, 1]` → `[1, 1]`.
    public static func transR(_ tape: Tape, positive: Tape.Var, negative: Tape.Var) -> Tape.Var {
        tape.scale(tape.mean(tape.logSigmoid(tape.sub(negative, positive))), -1)
    }

    /// `λ · Σ_k ‖x_k‖² / (2B)` over `[B, ·]` inputs → `[1, 1]`.
    public static func l2(_ tape: Tape, _ xs: [Tape.Var], lambda: Float, batch: Int) -> Tape.Var {
        var total = tape.sum(tape.mul(xs[0], xs[0]))
        for x in xs.dropFirst() { total = tape.add(total, tape.sum(tape.mul(x, x))) }
        return tape.scale(total, lambda / Float(2 * max(batch, 1)))
    }
}
