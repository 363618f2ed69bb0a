extension Tape {
    /// `a + b` (same shape).
    public func add(_ a: Var, _ b: Var) -> Var {
        op(Kernels.zip(value(a), value(b)) { $0 + $1 }, [a, b]) { t, dy in
            t.accumulate(a, dy); t.accumulate(b, dy)
        }
    }

    /// `a − b` (same shape).
    public func sub(_ a: Var, _ b: Var) -> Var {
        op(Kernels.zip(value(a), value(b)) { $0 - $1 }, [a, b]) { t, dy in
            t.accumulate(a, dy)
            if t.wants(b) { t.accumulate(b, Kernels.map(dy) { -$0 }) }
        }
    }

    /// `a ⊙ b` (same shape). Backward: `da = dy ⊙ b`, `db = dy ⊙ a`.
    public func mul(_ a: Var, _ b: Var) -> Var {
        let av = value(a), bv = value(b)
        return op(Kernels.zip(av, bv) { $0 * $1 }, [a, b]) { t, dy in
            if t.wants(a) { t.accumulate(a, Kernels.zip(dy, bv) { $0 * $1 }) }
            if t.wants(b) { t.accumulate(b, Kernels.zip(dy, av) { $0 * $1 }) }
        }
    }

    /// `s · x` for a constant s.
    public func scale(_ x: Var, _ s: Float) -> Var {
        op(Kernels.map(value(x)) { $0 * s }, [x]) { t, dy in
            t.accumulate(x, Kernels.map(dy) { $0 * s })
        }
    }

    /// `x` unchanged, its gradient scaled by s: backward `dx = s · dy` (an importance weight for a
    /// sampled term, e.g. the fusion of a subset of a batch's items).
    public func scaleGradient(_ x: Var, _ s: Float) -> Var {
        op(value(x), [x]) { t, dy in
            t.accumulate(x, Kernels.map(dy) { $0 * s })
        }
    }

    /// `x ⊙ mask` with a constant mask (dropout: mask entries are 0 or 1/(1−p)).
    public func mask(_ x: Var, _ mask: Matrix) -> Var {
        saved(floats: mask.count)
        return op(Kernels.zip(value(x), mask) { $0 * $1 }, [x]) { t, dy in
            t.accumulate(x, Kernels.zip(dy, mask) { $0 * $1 })
        }
    }

    /// LeakyReLU: `x` for x > 0, `slope·x` otherwise.
    public func leakyReLU(_ x: Var, slope: Float = 0.01) -> Var {
        let xv = value(x)
        return op(Kernels.map(xv) { Kernels.leaky($0, slope) }, [x]) { t, dy in
            t.accumulate(x, Kernels.zip(dy, xv) { Kernels.leakyGrad($0, $1, slope) })
        }
    }

    /// ReLU: `max(x, 0)`.
    public func relu(_ x: Var) -> Var { leakyReLU(x, slope: 0) }

    /// `tanh(x)`. Backward: `dy · (1 − y²)`.
    public func tanh(_ x: Var) -> Var {
        let y = Kernels.mapScalar(value(x)) { Kernels.tanh($0) }
        return op(y, [x]) { t, dy in
            t.accumulate(x, Kernels.zip(dy, y) { $0 * (1 - $1 * $1) })
        }
    }

    /// `σ(x)`. Backward: `dy · y(1 − y)`.
    public func sigmoid(_ x: Var) -> Var {
        let y = Kernels.mapScalar(value(x)) { Kernels.sigmoid($0) }
        return op(y, [x]) { t, dy in
            t.accumulate(x, Kernels.zip(dy, y) { $0 * $1 * (1 - $1) })
        }
    }

    /// `ln σ(x)` (stable). Backward: `dy · (1 − σ(x))`.
    public func logSigmoid(_ x: Var) -> Var {
        let xv = value(x)
        return op(Kernels.mapScalar(xv) { Kernels.logSigmoid($0) }, [x]) { t, dy in
            t.accumulate(x, Kernels.zipScalar(dy, xv) { $0 * (1 - Kernels.sigmoid($1)) })
        }
    }
}
