#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Adam (Kingma & Ba) with bias correction:
/// `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`, `θ ← θ − lr · m̂ / (sqrt(v̂) + ε)`.
public struct Adam: Sendable {
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Coupled L2 (`torch.optim.Adam`'s `weight_decay`): `g ← g + weightDecay · θ` before the
    /// moments, i.e. the gradient of `weightDecay/2 · ‖θ‖²` over every updated parameter.
    public var weightDecay: Float = 0
    /// Number of steps taken (for bias correction).
    public private(set) var stepCount = 0

    public init(learningRate: Float, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// Updates the parameters from their gradients, then zeroes the gradients. With
    /// `skipUntouched`, parameters no backward pass reached since the last step are left alone
    /// (as `torch.optim.Adam` skips parameters whose `.grad` is None, e.g. fusion weights during a
    /// KG-loss step). Bias correction uses each parameter's own update count, as PyTorch does.
    ///
    /// With `lazyRows`, a parameter that received gradient only through row-sparse ops
    /// (`Tape.embeddingRows`, recorded in `touchedRows`) is updated lazily: only its touched rows
    /// get the Adam update (the same arithmetic as the dense update on those rows, weight decay
    /// included); every other row keeps its value and its moments m, v exactly — they are not
    /// decayed by β1, β2 and take no momentum step (TensorFlow's LazyAdam, `torch.optim.SparseAdam`).
    /// The bias-correction count `steps` still advances once per step that touched the parameter.
    /// Without `lazyRows` such a parameter gets the dense update (its gradient is zero off the rows).
    public mutating func step(_ parameters: [Parameter], skipUntouched: Bool = false, lazyRows: Bool = false) {
        stepCount += 1
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        for p in parameters where p.trainable && (p.touched || !p.touchedRows.isEmpty || !skipUntouched) {
            let lazy = lazyRows && !p.touched && !p.touchedRows.isEmpty
            p.touched = false
            p.steps += 1
            let t = Float(p.steps)
            let c1 = 1 - powf(beta1, t), c2 = 1 - powf(beta2, t)
            let n = p.value.count, d = p.value.cols
            // Ascending row order: the tables' rows are then visited front to back (prefetch- and
            // TLB-friendly) instead of in first-touch order; each row's update is independent.
            let rows = lazy ? p.touchedRows.sorted() : []
            p.allocateTrainingState()
            p.value.data.withUnsafeMutableBufferPointer { w in
                p.grad.data.withUnsafeMutableBufferPointer { g in
                    p.m.data.withUnsafeMutableBufferPointer { m in
                        p.v.data.withUnsafeMutableBufferPointer { v in
                            let W = w.baseAddress!, G = g.baseAddress!, M = m.baseAddress!, V = v.baseAddress!
                            @inline(__always) func update(_ r: Range<Int>) {
                                for i in r {
                                    let gi = G[i] + wd * W[i]
                                    let mi = b1 * M[i] + (1 - b1) * gi
                                    let vi = b2 * V[i] + (1 - b2) * gi * gi
                                    M[i] = mi; V[i] = vi
                                    W[i] -= lr * (mi / c1) / ((vi / c2).squareRoot() + eps)
                                    G[i] = 0
                                }
                            }
                            if lazy {
                                rows.withUnsafeBufferPointer { rp in
                                    Parallel.forRanges(rp.count, grain: 1024) { k in
                                        for j in k { let r = Int(rp[j]) * d; update(r..<r + d) }
                                    }
                                }
                            } else {
                                Parallel.forRanges(n, grain: 1 << 16) { update($0) }
                            }
                        }
                    }
                }
            }
            if !p.touchedRows.isEmpty { p.clearRows() }
        }
    }
}
