import KGRecModel
import KGRecTensor
import Testing

/// Whole layers at the default model shape (d = 64, 8 heads of width 8, FFN 128, sequences of 9
/// positions) with enough rows that the kernels split across 2 threads: parameter gradients by finite
/// differences on sampled elements, and 1 vs 2 threads equal within 1e-5 relative (weight gradients
/// `xᵀ·dy` are one or two per-thread partial sums).
@Suite(.serialized) struct ProductionShapeLayerGradientTests {
    let tolerance = 2e-2

    static func withThreads<T>(_ n: Int, _ body: () -> T) -> T {
        let saved = Parallel.threadCount
        Parallel.threadCount = n
        defer { Parallel.threadCount = saved }
        return body()
    }

    /// 40 sequences of 9 positions (the attention grain is 16 sequences), two streams; every fifth
    /// sequence has its last two positions padded.
    static let sequences = 40, positions = 9
    static let mask: [Bool] = (0..<sequences * positions).map { k in !((k / positions) % 5 == 0 && k % positions >= 7) }

    static func fusionLoss(_ block: FusionBlock, _ xs: [Matrix], _ t: Tape) -> Tape.Var {
        let out = block(t, xs.map { t.constant($0) }, sequences: sequences, keyMask: mask, sources: [[0, 1], [1, 0]])
        return t.add(ParameterGradientCheck.project(t, out[0], seed: 7), ParameterGradientCheck.project(t, out[1], seed: 8))
    }

    @Test func fusionBlockAtModelShapeMatchesFiniteDifferencesOnTwoThreads() {
        var rng = Xoshiro256(seed: 1)
        let block = FusionBlock("b", channels: ["visual", "text"], width: 64, ffnWidth: 128, heads: 8, rng: &rng)
        let xs = [ParameterGradientCheck.random(Self.sequences * Self.positions, 64, seed: 2),
                  ParameterGradientCheck.random(Self.sequences * Self.positions, 64, seed: 3)]
        let e = Self.withThreads(2) {
            ParameterGradientCheck.relativeError(block.parameters, samples: 16, epsilon: 2e-3) { t in
                Self.fusionLoss(block, xs, t)
            }
        }
        #expect(e < tolerance)
        func gradients() -> [Matrix] {
            for p in block.parameters { p.grad.zero() }
            let t = Tape()
            t.backward(from: Self.fusionLoss(block, xs, t))
            defer { for p in block.parameters { p.grad.zero() } }
            return block.parameters.map(\.grad)
        }
        // Weight gradients are xᵀ·dy, summed in one or two partial sums: equal within 1e-5 relative.
        for (a, b) in zip(Self.withThreads(1, gradients), Self.withThreads(2, gradients)) {
            let scale = max(b.data.map(abs).max() ?? 0, 1e-6)
            #expect(zip(a.data, b.data).map { abs($0 - $1) }.max()! / scale < 1e-5)
        }
    }

    @Test func biInteractionLayerOverA64WideGraphMatchesFiniteDifferencesOnTwoThreads() {
        // 2600 nodes, up to 12 neighbours each, softmax-like positive weights: the 64-column SpMM.
        var rng = Xoshiro256(seed: 4)
        var offsets: [Int32] = [0], tails = [Int32]()
        for _ in 0..<2600 {
            for _ in 0..<rng.below(13) { tails.append(Int32(rng.below(2600))) }
            offsets.append(Int32(tails.count))
        }
        let g = SparseGraph(offsets: offsets, tails: tails, tailCount: 2600)
        let attention = (0..<g.edgeCount).map { _ in Float(rng.below(1000) + 1) / 4000 }
        let layer = BiInteractionLayer("l", input: 64, output: 64, slope: 0.2, rng: &rng)
        // Biases of ±6 keep every pre-activation (|z| ≲ 4 here) away from the LeakyReLU kink, which
        // thousands of rows would otherwise straddle under any ε; half the columns on each side.
        for b in [layer.sum.bias!, layer.product.bias!] {
            for c in 0..<64 { b.value.data[c] = c % 2 == 0 ? 6 : -6 }
        }
        let e = ParameterGradientCheck.random(2600, 64, seed: 5)
        let err = Self.withThreads(2) {
            ParameterGradientCheck.relativeError(layer.parameters, samples: 16, epsilon: 2e-3) { t in
                ParameterGradientCheck.project(t, layer(t, t.constant(e), graph: g, attention: attention))
            }
        }
        #expect(err < tolerance)
    }
}
