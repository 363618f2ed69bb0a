import KGRecTensor
import Testing

@Suite struct InfoNCEGradientTests {
    @Test func infoNCEGradientMatchesFiniteDifferences() {
        let a = GradientCheck.random(4, 6, seed: 1), c = GradientCheck.random(7, 6, seed: 2)
        for tau: Float in [0.05, 0.2, 1] {
            let e = GradientCheck.relativeError(inputs: [a, c], epsilon: 1e-3) { t, v in
                t.infoNCE(anchors: v[0], candidates: v[1], positives: [0, 3, 5, 1], temperature: tau)
            }
            #expect(e < 1e-2, "τ \(tau): relative error \(e)")
        }
    }

    @Test func infoNCEIsTheMeanCrossEntropyOfTheScaledSimilarities() {
        // Anchors (1,0), (0,1); candidates (1,0), (0,1), (1,1); positives 0 and 2; τ = 0.5.
        let a = Matrix(rows: 2, cols: 2, data: [1, 0, 0, 1]), c = Matrix(rows: 3, cols: 2, data: [1, 0, 0, 1, 1, 1])
        let t = Tape()
        let loss = t.value(t.infoNCE(anchors: t.constant(a), candidates: t.constant(c), positives: [0, 2], temperature: 0.5)).data[0]
        // Row 1 logits (2, 0, 2), positive 2; row 2 logits (0, 2, 2), positive 2: each log(2e² + 1) − 2.
        let expected = Double(log(2 * exp(2.0) + 1) - 2)
        #expect(abs(Double(loss) - expected) < 1e-5)
    }
}

#if canImport(Glibc)
import Glibc
#endif
