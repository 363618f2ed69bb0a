import KGRecTensor
import Testing

/// One finite-difference check per differentiable op of `Tape`.
@Suite struct TapeOpGradientTests {
    let tolerance = 1e-2

    @Test func matmulGradientsMatchFiniteDifferences() {
        let e = GradientCheck.relativeError(inputs: [GradientCheck.random(5, 4, seed: 1),
                                                     GradientCheck.random(4, 3, seed: 2)]) { t, v in
            t.matmul(v[0], v[1])
        }
        #expect(e < tolerance)
    }

    @Test func linearWithBiasGradientsMatchFiniteDifferences() {
        let e = GradientCheck.relativeError(inputs: [GradientCheck.random(6, 3, seed: 1),
                                                     GradientCheck.random(3, 5, seed: 2),
                                                     GradientCheck.random(1, 5, seed: 3)]) { t, v in
            t.linear(v[0], v[1], v[2])
        }
        #expect(e < tolerance)
    }

    @Test func elementwiseArithmeticGradientsMatchFiniteDifferences() {
        let inputs = [GradientCheck.random(3, 4, seed: 1), GradientCheck.random(3, 4, seed: 2)]
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.add(v[0], v[1]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.sub(v[0], v[1]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.mul(v[0], v[1]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.scale(v[0], -2.5) } < tolerance)
    }

    @Test func activationGradientsMatchFiniteDifferences() {
        // Keep inputs away from the kinks at 0 so central differences are valid.
        var x = GradientCheck.random(4, 5, seed: 3, -2, 2)
        for i in 0..<x.count where abs(x.data[i]) < 0.05 { x.data[i] = 0.3 }
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.leakyReLU(v[0], slope: 0.2) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.relu(v[0]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.tanh(v[0]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.sigmoid(v[0]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.logSigmoid(v[0]) } < tolerance)
    }

    @Test func maskGradientIsTheMask() {
        let m = Matrix(rows: 2, cols: 3, data: [0, 2, 2, 0, 2, 0])
        #expect(GradientCheck.relativeError(inputs: [GradientCheck.random(2, 3, seed: 4)]) { t, v in
            t.mask(v[0], m)
        } < tolerance)
    }

    @Test func reductionGradientsMatchFiniteDifferences() {
        let inputs = [GradientCheck.random(4, 3, seed: 5), GradientCheck.random(4, 3, seed: 6)]
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.sum(v[0]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.mean(v[1]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.rowDot(v[0], v[1]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: inputs) { t, v in t.l2NormalizeRows(v[0]) } < tolerance)
    }

    @Test func softmaxAndLayerNormGradientsMatchFiniteDifferences() {
        let x = GradientCheck.random(3, 6, seed: 7, -2, 2)
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.softmaxRows(v[0]) } < tolerance)
        let gamma = GradientCheck.random(1, 6, seed: 8, 0.5, 1.5), beta = GradientCheck.random(1, 6, seed: 9)
        #expect(GradientCheck.relativeError(inputs: [x, gamma, beta], epsilon: 5e-3) { t, v in
            t.layerNorm(v[0], gamma: v[1], beta: v[2])
        } < tolerance)
    }

    @Test func rowOpGradientsMatchFiniteDifferences() {
        let x = GradientCheck.random(5, 3, seed: 10), y = GradientCheck.random(2, 3, seed: 11)
        // Repeated indices exercise the scatter-add.
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.gatherRows(v[0], [4, 0, 4, 2]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: [x, y]) { t, v in
            t.replaceRows(v[0], [3, 1], with: v[1])
        } < tolerance)
        let z = GradientCheck.random(5, 2, seed: 12)
        #expect(GradientCheck.relativeError(inputs: [x, z]) { t, v in t.concatColumns([v[0], v[1]]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.sliceColumns(v[0], 1..<3) } < tolerance)
        let a = GradientCheck.random(4, 3, seed: 13), b = GradientCheck.random(6, 3, seed: 14)
        #expect(GradientCheck.relativeError(inputs: [a, b]) { t, v in
            t.concatSequences(v[0], v[1], sequences: 2)
        } < tolerance)
    }

    @Test func sparseOpGradientsMatchFiniteDifferences() {
        // 3 heads over 4 tails; head 1 has no edges.
        let g = SparseGraph(offsets: [0, 3, 3, 5], tails: [0, 2, 3, 1, 2], tailCount: 4)
        let x = GradientCheck.random(4, 3, seed: 15)
        let w: [Float] = [0.5, -1, 2, 0.25, 1.5]
        #expect(GradientCheck.relativeError(inputs: [x]) { t, v in t.spmm(g, weights: w, v[0]) } < tolerance)
        let wv = GradientCheck.random(5, 1, seed: 16)
        #expect(GradientCheck.relativeError(inputs: [wv, x]) { t, v in t.spmm(g, weights: v[0], v[1]) } < tolerance)
        #expect(GradientCheck.relativeError(inputs: [wv]) { t, v in t.segmentSoftmax(g, v[0]) } < tolerance)
    }

    @Test func attentionGradientsMatchFiniteDifferences() {
        // 2 sequences, 3 queries and 4 keys each, 2 heads of width 2; one masked key.
        let q = GradientCheck.random(6, 4, seed: 17), k = GradientCheck.random(8, 4, seed: 18)
        let v = GradientCheck.random(8, 4, seed: 19)
        let mask = [true, true, false, true, true, true, true, true]
        #expect(GradientCheck.relativeError(inputs: [q, k, v]) { t, x in
            t.attention(query: x[0], key: x[1], value: x[2], heads: 2, sequences: 2, keyMask: mask)
        } < tolerance)
    }

    @Test func relationProjectionGradientsMatchFiniteDifferences() {
        let x = GradientCheck.random(4, 3, seed: 20), w = GradientCheck.random(2 * 2, 3, seed: 21)
        #expect(GradientCheck.relativeError(inputs: [x, w]) { t, v in
            t.relationProject(v[0], v[1], relations: [1, 0, 1, 1], outputSize: 2)
        } < tolerance)
    }
}

@Suite struct BiInteractionOpGradientTests {
    @Test func fusedBiInteractionGradientsMatchFiniteDifferences() {
        // Biases keep every pre-activation > 0.05 away from the LeakyReLU kink for ε = 1e-3.
        let inputs = [GradientCheck.random(5, 4, seed: 30), GradientCheck.random(5, 4, seed: 31),
                      GradientCheck.random(4, 3, seed: 32), GradientCheck.random(1, 3, seed: 33),
                      GradientCheck.random(4, 3, seed: 34), GradientCheck.random(1, 3, seed: 35)]
        let e = GradientCheck.relativeError(inputs: inputs, epsilon: 1e-3) { t, v in
            t.biInteraction(v[0], v[1], w1: v[2], b1: v[3], w2: v[4], b2: v[5], slope: 0.2)
        }
        #expect(e < 1e-2)
    }

    @Test func fusedBiInteractionEqualsTheComposedOps() {
        let t = Tape()
        let e = t.constant(GradientCheck.random(5, 4, seed: 50)), n = t.constant(GradientCheck.random(5, 4, seed: 51))
        let w1 = t.constant(GradientCheck.random(4, 3, seed: 52)), w2 = t.constant(GradientCheck.random(4, 3, seed: 53))
        let b1 = t.constant(GradientCheck.random(1, 3, seed: 54)), b2 = t.constant(GradientCheck.random(1, 3, seed: 55))
        let fused = t.value(t.biInteraction(e, n, w1: w1, b1: b1, w2: w2, b2: b2, slope: 0.01))
        let composed = t.value(t.add(t.leakyReLU(t.linear(t.add(e, n), w1, b1)),
                                     t.leakyReLU(t.linear(t.mul(e, n), w2, b2))))
        #expect(zip(fused.data, composed.data).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func fusedBiInteractionMatchesTheComposedOpsOnWideRows() {
        // d_out 20: the 16-lane row loop plus a scalar tail; gradients of every input too.
        let shapes = [(7, 20), (7, 20), (20, 20), (1, 20), (20, 20), (1, 20)]
        let inputs = shapes.enumerated().map { GradientCheck.random($1.0, $1.1, seed: UInt64(60 + $0)) }
        func run(_ fusedOp: Bool) -> (Matrix, [Matrix]) {
            let t = Tape()
            let v = inputs.map { t.variable($0) }
            let y = fusedOp ? t.biInteraction(v[0], v[1], w1: v[2], b1: v[3], w2: v[4], b2: v[5], slope: 0.2)
                : t.add(t.leakyReLU(t.linear(t.add(v[0], v[1]), v[2], v[3]), slope: 0.2),
                        t.leakyReLU(t.linear(t.mul(v[0], v[1]), v[4], v[5]), slope: 0.2))
            var rng = Xoshiro256(seed: 70)
            t.backward(from: t.sum(t.mask(y, .uniform(rows: y.rows, cols: y.cols, -1, 1, rng: &rng))))
            return (t.value(y), v.map { t.gradient($0) })
        }
        let (fused, composed) = (run(true), run(false))
        #expect(zip(fused.0.data, composed.0.data).allSatisfy { abs($0 - $1) < 1e-5 })
        for (a, b) in zip(fused.1, composed.1) {
            #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 1e-4 })
        }
    }
}
