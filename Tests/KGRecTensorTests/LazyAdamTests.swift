import Testing
@testable import KGRecTensor

/// Row-sparse embedding gradients (`Tape.embeddingRows`) and the lazy Adam update of their rows.
@Suite struct LazyAdamTests {
    /// A `[6, 3]` table with non-zero Adam moments on every row (three dense steps of random gradients).
    static func warmedUp(_ name: String) -> (Parameter, Adam) {
        var rng = Xoshiro256(seed: 5)
        let p = Parameter(name, .uniform(rows: 6, cols: 3, -1, 1, rng: &rng))
        var adam = Adam(learningRate: 0.01, weightDecay: 0.05)
        for _ in 0..<3 {
            p.grad = .uniform(rows: 6, cols: 3, -1, 1, rng: &rng)
            p.touched = true
            adam.step([p], skipUntouched: true)
        }
        return (p, adam)
    }

    /// `Σ rows(p)[index] ⊙ R` back-propagated through `embeddingRows` (row-sparse) or through
    /// `gatherRows(parameter(p))` (a dense `[N, D]` gradient).
    static func backward(_ p: Parameter, _ index: [Int32], sparse: Bool) {
        let tape = Tape()
        let rows = sparse ? tape.embeddingRows(p, index) : tape.gatherRows(tape.parameter(p), index)
        var rng = Xoshiro256(seed: 9)
        tape.backward(from: tape.sum(tape.mask(rows, .uniform(rows: index.count, cols: 3, -1, 1, rng: &rng))))
    }

    @Test func lazyAdamEqualsDenseAdamOnTouchedRowsAndLeavesTheOthersUnchanged() {
        var (sparse, lazyAdam) = Self.warmedUp("s")
        var (dense, denseAdam) = Self.warmedUp("d")
        let before = (value: sparse.value, m: sparse.m, v: sparse.v)
        let index: [Int32] = [4, 1, 4]  // a repeated row accumulates both gradients
        Self.backward(sparse, index, sparse: true)
        Self.backward(dense, index, sparse: false)
        #expect(sparse.touchedRows == [4, 1] && !sparse.touched)
        #expect(sparse.grad == dense.grad)
        lazyAdam.step([sparse], skipUntouched: true, lazyRows: true)
        denseAdam.step([dense], skipUntouched: true)
        for r in 0..<6 {
            if r == 1 || r == 4 {
                #expect(sparse.value.row(r) == dense.value.row(r), "row \(r)")
                #expect(sparse.m.row(r) == dense.m.row(r) && sparse.v.row(r) == dense.v.row(r))
            } else {
                // Lazy: value and moments of an untouched row stay exactly as they were; the dense
                // update moves them (momentum, β decay and weight decay), so the difference is real.
                #expect(sparse.value.row(r) == before.value.row(r) && sparse.m.row(r) == before.m.row(r)
                        && sparse.v.row(r) == before.v.row(r), "row \(r)")
                #expect(dense.value.row(r) != before.value.row(r))
            }
        }
        #expect(sparse.touchedRows.isEmpty && sparse.grad.data.allSatisfy { $0 == 0 })
        #expect(sparse.steps == dense.steps)
    }

    @Test func withoutLazyRowsARowSparseGradientGetsTheDenseUpdate() {
        var (a, adamA) = Self.warmedUp("a")
        var (b, adamB) = Self.warmedUp("b")
        Self.backward(a, [2, 0], sparse: true)
        Self.backward(b, [2, 0], sparse: false)
        adamA.step([a], skipUntouched: true)
        adamB.step([b], skipUntouched: true)
        #expect(a.value == b.value && a.m == b.m && a.v == b.v)
        #expect(a.touchedRows.isEmpty)
    }
}
