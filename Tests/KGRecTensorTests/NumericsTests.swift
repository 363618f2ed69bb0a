import KGRecTensor
import Testing

@Suite struct NumericsTests {
    @Test func adamFirstStepMovesEachWeightByTheLearningRateAgainstTheGradientSign() {
        let p = Parameter("w", Matrix(rows: 1, cols: 3, data: [1, 2, 3]))
        p.grad = Matrix(rows: 1, cols: 3, data: [0.5, -2, 0])
        var adam = Adam(learningRate: 0.1)
        adam.step([p])
        // With bias correction, m̂ = g and v̂ = g², so the step is lr·g/(|g|+ε).
        #expect(abs(p.value.data[0] - 0.9) < 1e-5)
        #expect(abs(p.value.data[1] - 2.1) < 1e-5)
        #expect(p.value.data[2] == 3)
        #expect(p.grad.data == [0, 0, 0])
    }

    @Test func adamWeightDecayEqualsAddingDecayTimesWeightToTheGradient() {
        let decayed = Parameter("a", Matrix(rows: 1, cols: 3, data: [1, -2, 0.5]))
        let explicit = Parameter("b", Matrix(rows: 1, cols: 3, data: [1, -2, 0.5]))
        var withDecay = Adam(learningRate: 0.01, weightDecay: 0.3)
        var plain = Adam(learningRate: 0.01)
        for step in 0..<5 {
            let g: [Float] = [0.2, Float(step) * 0.1, -0.05]
            decayed.grad = Matrix(rows: 1, cols: 3, data: g)
            explicit.grad = Matrix(rows: 1, cols: 3, data: zip(g, explicit.value.data).map { $0 + 0.3 * $1 })
            withDecay.step([decayed])
            plain.step([explicit])
        }
        for k in 0..<3 { #expect(abs(decayed.value.data[k] - explicit.value.data[k]) < 1e-6) }
        // With no loss gradient at all, decay alone shrinks every weight towards zero.
        let lone = Parameter("c", Matrix(rows: 1, cols: 2, data: [1, -1]))
        var adam = Adam(learningRate: 0.1, weightDecay: 0.01)
        adam.step([lone])
        #expect(abs(lone.value.data[0] - 0.9) < 1e-5 && abs(lone.value.data[1] + 0.9) < 1e-5)
    }

    @Test func adamMinimisesAQuadratic() {
        let p = Parameter("w", Matrix(rows: 1, cols: 2, data: [3, -4]))
        var adam = Adam(learningRate: 0.05)
        for _ in 0..<400 {
            let t = Tape()
            let w = t.parameter(p)
            t.backward(from: t.sum(t.mul(w, w)))
            adam.step([p])
        }
        #expect(p.value.data.allSatisfy { abs($0) < 0.05 })
    }

    @Test func seededGeneratorIsDeterministicAndUniform() {
        var a = Xoshiro256(seed: 42), b = Xoshiro256(seed: 42), c = Xoshiro256(seed: 43)
        let xs = (0..<1000).map { _ in a.unit() }
        #expect(xs == (0..<1000).map { _ in b.unit() })
        #expect(xs != (0..<1000).map { _ in c.unit() })
        #expect(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = xs.reduce(0, +) / 1000
        #expect(abs(mean - 0.5) < 0.05)
    }

    @Test func xavierUniformStaysWithinItsBound() {
        var rng = Xoshiro256(seed: 1)
        let m = Matrix.xavierUniform(rows: 64, cols: 32, rng: &rng)
        let bound = (6.0 / Float(96)).squareRoot()
        #expect(m.data.allSatisfy { abs($0) <= bound })
        #expect(m.data.contains { abs($0) > bound * 0.9 })
    }

    @Test func segmentSoftmaxSumsToOnePerHeadAndZeroesFullyDroppedHeads() {
        let g = SparseGraph(offsets: [0, 3, 3, 5], tails: [0, 1, 2, 0, 1], tailCount: 3)
        let y = Kernels.segmentSoftmax(g, [1, 2, 3, -.infinity, -.infinity])
        #expect(abs(y[0] + y[1] + y[2] - 1) < 1e-6)
        #expect(y[2] > y[1] && y[1] > y[0])
        #expect(y[3] == 0 && y[4] == 0)
    }

    @Test func sparseGraphTransposeListsEveryEdgeByTail() {
        let (g, perm) = SparseGraph.fromEdges(heads: [2, 0, 1, 0], tails: [1, 2, 2, 0], headCount: 3, tailCount: 3)
        #expect(g.offsets == [0, 2, 3, 4])
        #expect(perm.sorted() == [0, 1, 2, 3])
        for t in 0..<3 {
            for k in Int(g.transposeOffsets[t])..<Int(g.transposeOffsets[t + 1]) {
                #expect(Int(g.tails[Int(g.transposeEdges[k])]) == t)
            }
        }
        #expect(Int(g.transposeOffsets[3]) == 4)
    }

    @Test func fastTanhIsAccurate() {
        for i in -400...400 {
            let x = Float(i) / 40
            #expect(abs(FastMath.tanh(x) - Float(_tanh(Double(x)))) < 2e-6)
        }
    }

    @Test func vectorExpMatchesTheDoubleExponential() {
        // Every 2⁻¹⁰ step of [−87, 88] plus random points: relative error against Double exp.
        var rng = Xoshiro256(seed: 11)
        var xs = (0..<(175 * 1024)).map { Float(-87) + Float($0) / 1024 }
        xs += (0..<16_384).map { _ in Float(rng.below(1 << 24)) / Float(1 << 24) * 175 - 87 }
        var worst = 0.0
        for start in stride(from: 0, to: xs.count - 15, by: 16) {
            let v = FastMath.exp(SIMD16(xs[start..<start + 16]))
            for k in 0..<16 {
                let want = _exp(Double(xs[start + k]))
                worst = max(worst, abs(Double(v[k]) - want) / want)
            }
        }
        #expect(worst < 2.5e-7)
        let edges = FastMath.exp(SIMD16([-.infinity, -1000, -87.5, 0, 1, -1, 89, .infinity, 0, 0, 0, 0, 0, 0, 0, 0]))
        #expect(edges[0] == 0 && edges[1] == 0 && edges[2] == 0)
        #expect(edges[3] == 1)
        let e = Float(_exp(Double(1)))
        #expect(abs(edges[4] - e) <= e.ulp)
        #expect(edges[6] == .infinity && edges[7] == .infinity)
    }

    @Test func attentionIgnoresMaskedKeysAndRowsSumToTheValues() {
        // One sequence, one query, 3 keys with the last masked; values are one-hot.
        let t = Tape()
        let q = t.constant(Matrix(rows: 1, cols: 2, data: [1, 0]))
        let k = t.constant(Matrix(rows: 3, cols: 2, data: [1, 0, 0, 1, 50, 0]))
        let v = t.constant(Matrix(rows: 3, cols: 2, data: [1, 0, 0, 1, 7, 7]))
        let out = t.value(t.attention(query: q, key: k, value: v, heads: 1, sequences: 1,
                                      keyMask: [true, true, false]))
        let e = Float(_exp(1 / 2.0.squareRoot()))
        #expect(abs(out.data[0] - e / (e + 1)) < 1e-5)
        #expect(abs(out.data[0] + out.data[1] - 1) < 1e-5)
    }

    @Test func belowCoversTheWholeRangeUniformly() {
        // Regression: `x &* n >> 32` parsed as `x &* (n >> 32)` and always returned 0.
        var rng = Xoshiro256(seed: 9)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<10_000 { counts[rng.below(10)] += 1 }
        #expect(counts.allSatisfy { (800...1_200).contains($0) }, "counts \(counts)")
        var big = Xoshiro256(seed: 10)
        #expect((0..<100).map { _ in big.below(1_000_000) }.max()! > 500_000)
    }
}

#if canImport(Glibc)
import Glibc
private func _tanh(_ x: Double) -> Double { tanh(x) }
private func _exp(_ x: Double) -> Double { exp(x) }
#else
import Darwin
private func _tanh(_ x: Double) -> Double { tanh(x) }
private func _exp(_ x: Double) -> Double { exp(x) }
#endif

@Suite struct AdamSkippingTests {
    @Test func skipUntouchedLeavesParametersWithoutGradientAlone() {
        let a = Parameter("a", Matrix(rows: 1, cols: 1, data: [1])), b = Parameter("b", Matrix(rows: 1, cols: 1, data: [1]))
        var adam = Adam(learningRate: 0.1)
        for _ in 0..<2 {
            let t = Tape()
            t.backward(from: t.sum(t.mul(t.parameter(a), t.parameter(a))))
            adam.step([a, b], skipUntouched: true)
        }
        let t = Tape()
        t.backward(from: t.sum(t.mul(t.parameter(b), t.parameter(b))))
        adam.step([a, b], skipUntouched: true)
        // b's first update is a full-size step (its own bias correction); a did not move this time.
        #expect(abs(b.value.data[0] - 0.9) < 1e-5)
        #expect(a.steps == 2 && b.steps == 1)
    }
}
