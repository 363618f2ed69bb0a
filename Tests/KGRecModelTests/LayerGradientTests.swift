import KGRecModel
import KGRecTensor
import Testing

/// Finite-difference checks of whole layers w.r.t. their parameters (and inputs).
enum ParameterGradientCheck {
    /// Worst relative error `‖g_analytic − g_numeric‖ / max(‖·‖, ‖·‖, 1e-6)` over `parameters`,
    /// sampling at most `samples` elements of each. `loss` builds a scalar on a fresh tape.
    static func relativeError(_ parameters: [Parameter], samples: Int = 12, epsilon: Float = 1e-2,
                              loss: (Tape) -> Tape.Var) -> Double {
        for p in parameters { p.grad.zero() }
        let tape = Tape()
        tape.backward(from: loss(tape))
        func value() -> Double { let t = Tape(); return Double(t.value(loss(t)).data[0]) }
        var worst = 0.0
        var rng = Xoshiro256(seed: 99)
        for p in parameters {
            let analytic = p.grad
            var diff = 0.0, na = 0.0, nn = 0.0
            let picks = p.value.count <= samples ? Array(0..<p.value.count)
                : (0..<samples).map { _ in rng.below(p.value.count) }
            for i in picks {
                let x = p.value.data[i]
                p.value.data[i] = x + epsilon
                let lp = value()
                p.value.data[i] = x - epsilon
                let lm = value()
                p.value.data[i] = x
                let numeric = (lp - lm) / (2 * Double(epsilon))
                let a = Double(analytic.data[i])
                diff += (a - numeric) * (a - numeric); na += a * a; nn += numeric * numeric
            }
            worst = max(worst, diff.squareRoot() / max(na.squareRoot(), nn.squareRoot(), 1e-6))
        }
        for p in parameters { p.grad.zero() }
        return worst
    }

    /// `Σ out ⊙ R` for a fixed random R: a scalar that depends on every output element.
    static func project(_ tape: Tape, _ out: Tape.Var, seed: UInt64 = 5) -> Tape.Var {
        var rng = Xoshiro256(seed: seed)
        return tape.sum(tape.mask(out, .uniform(rows: out.rows, cols: out.cols, -1, 1, rng: &rng)))
    }

    static func random(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256(seed: seed)
        return .uniform(rows: rows, cols: cols, -1, 1, rng: &rng)
    }
}

@Suite struct LayerGradientTests {
    let tolerance = 2e-2

    @Test func linearAndProjectionGradientsMatchFiniteDifferences() {
        var rng = Xoshiro256(seed: 1)
        let proj = ModalityProjection("p", rawWidth: 6, width: 4, slope: 0.2, rng: &rng)
        let raw = ParameterGradientCheck.random(5, 6, seed: 2)
        let e = ParameterGradientCheck.relativeError(proj.parameters) { t in
            ParameterGradientCheck.project(t, proj(t, raw))
        }
        #expect(e < tolerance)
    }

    @Test func layerNormLayerGradientsMatchFiniteDifferences() {
        let ln = LayerNorm("ln", width: 5)
        let x = ParameterGradientCheck.random(4, 5, seed: 3)
        let e = ParameterGradientCheck.relativeError(ln.parameters) { t in
            ParameterGradientCheck.project(t, ln(t, t.constant(x)))
        }
        #expect(e < tolerance)
    }

    @Test func fusionBlockGradientsMatchFiniteDifferencesForEveryDirection() {
        // 2 sequences of 3 positions, 2 streams of width 4, 2 heads; one padded position.
        let mask = [true, true, false, true, true, true]
        for sources in [[[0, 1], [1, 0]], [[0, 1], [1]], [[0], [1]]] {
            var rng = Xoshiro256(seed: 4)
            let block = FusionBlock("b", channels: ["visual", "text"], width: 4, ffnWidth: 6, heads: 2, rng: &rng)
            let xs = [ParameterGradientCheck.random(6, 4, seed: 5), ParameterGradientCheck.random(6, 4, seed: 6)]
            // Small ε: the FFN's ReLU has kinks; a larger step can straddle one.
            let e = ParameterGradientCheck.relativeError(block.parameters, samples: 40, epsilon: 2e-3) { t in
                let out = block(t, xs.map { t.constant($0) }, sequences: 2, keyMask: mask, sources: sources)
                return t.add(ParameterGradientCheck.project(t, out[0], seed: 7),
                             ParameterGradientCheck.project(t, out[1], seed: 8))
            }
            #expect(e < tolerance, "sources \(sources)")
        }
    }

    @Test func crossAttentionLetsEachStreamSeeTheOtherOnlyWhenAsked() {
        var rng = Xoshiro256(seed: 9)
        let block = FusionBlock("b", channels: ["visual", "text"], width: 4, ffnWidth: 6, heads: 2, rng: &rng)
        let mask = [Bool](repeating: true, count: 3)
        let x0 = ParameterGradientCheck.random(3, 4, seed: 10)
        func visualOut(text: Matrix, sources: [[Int]]) -> Matrix {
            let t = Tape()
            return t.value(block(t, [t.constant(x0), t.constant(text)], sequences: 1, keyMask: mask,
                                 sources: sources)[0])
        }
        let a = ParameterGradientCheck.random(3, 4, seed: 11), b = ParameterGradientCheck.random(3, 4, seed: 12)
        #expect(visualOut(text: a, sources: [[0], [1]]) == visualOut(text: b, sources: [[0], [1]]))
        #expect(visualOut(text: a, sources: [[0, 1], [1]]) != visualOut(text: b, sources: [[0, 1], [1]]))
    }

    @Test func biInteractionLayerGradientsMatchFiniteDifferences() {
        var rng = Xoshiro256(seed: 13)
        let layer = BiInteractionLayer("l", input: 4, output: 3, slope: 0.2, rng: &rng)
        let g = SparseGraph(offsets: [0, 2, 3, 5, 5], tails: [1, 2, 0, 0, 1], tailCount: 4)
        let att: [Float] = [0.3, 0.7, 1, 0.5, 0.5]
        let x = ParameterGradientCheck.random(4, 4, seed: 14)
        let embedding = Parameter("x", x)
        // Non-zero biases: a head without edges would otherwise sit exactly on the LeakyReLU kink.
        layer.sum.bias!.value = ParameterGradientCheck.random(1, 3, seed: 20)
        layer.product.bias!.value = ParameterGradientCheck.random(1, 3, seed: 21)
        // ε below the smallest |pre-activation| (0.0045) so no step straddles a LeakyReLU kink.
        let e = ParameterGradientCheck.relativeError(layer.parameters + [embedding], epsilon: 1e-3) { t in
            ParameterGradientCheck.project(t, layer(t, t.parameter(embedding), graph: g, attention: att))
        }
        #expect(e < tolerance)
    }

    @Test func transRScoreAndLossGradientsMatchFiniteDifferences() {
        var rng = Xoshiro256(seed: 15)
        let space = RelationSpace("r", relations: 3, width: 4, rng: &rng)
        let entities = Parameter("e", ParameterGradientCheck.random(6, 4, seed: 16))
        let e = ParameterGradientCheck.relativeError(space.parameters + [entities]) { t in
            let table = t.parameter(entities)
            let rel: [Int32] = [0, 2, 1, 2]
            let eh = t.gatherRows(table, [0, 1, 2, 3]), et = t.gatherRows(table, [4, 5, 0, 1])
            let en = t.gatherRows(table, [5, 4, 3, 2])
            let er = t.gatherRows(t.parameter(space.embedding), rel)
            let w = t.parameter(space.projection)
            let pos = t.rowSquaredNorm(t.sub(t.add(t.relationProject(eh, w, relations: rel, outputSize: 4), er),
                                             t.relationProject(et, w, relations: rel, outputSize: 4)))
            let neg = t.rowSquaredNorm(t.sub(t.add(t.relationProject(eh, w, relations: rel, outputSize: 4), er),
                                             t.relationProject(en, w, relations: rel, outputSize: 4)))
            return Losses.transR(t, positive: pos, negative: neg)
        }
        #expect(e < tolerance)
    }

    @Test func knowledgeAttentionLogitsFollowTheFormula() {
        var rng = Xoshiro256(seed: 17)
        let space = RelationSpace("r", relations: 2, width: 3, rng: &rng)
        let g = SparseGraph(offsets: [0, 2, 3, 3], tails: [1, 2, 0], tailCount: 3)
        let rel: [Int32] = [1, 0, 1]
        let emb = ParameterGradientCheck.random(3, 3, seed: 18)
        let index = RelationEdgeIndex(heads: g.heads, tails: g.tails, relations: rel, relationCount: 2, nodeCount: 3)
        let logits = space.attentionLogits(emb, index: index)
        for e in 0..<3 {
            let r = Int(rel[e]), h = Int(g.heads[e]), t = Int(g.tails[e])
            var expected: Float = 0
            for i in 0..<3 {
                var wh: Float = 0, wt: Float = 0
                for c in 0..<3 {
                    let w = space.projection.value[r * 3 + i, c]
                    wh += w * emb[h, c]; wt += w * emb[t, c]
                }
                expected += wt * Float(tanh(Double(wh + space.embedding.value[r, i])))
            }
            #expect(abs(logits[e] - expected) < 1e-5)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FusionCheckpointLayerTests {
    /// 5 items, sequences of 3 over 9 nodes (padding -1).
    static func encoder() -> FusionEncoder {
        let seq = NeighbourSequences(length: 3, nodes: [0, 5, 6, 1, 7, -1, 2, 5, 8, 3, -1, -1, 4, 6, 7],
                                     counts: [3, 2, 3, 1, 3])
        var c = ModelConfig()
        c.embeddingSize = 4; c.heads = 2; c.ffnSize = 6; c.fusionBlocks = 2
        var rng = Xoshiro256(seed: 21)
        return FusionEncoder(channels: ["visual", "text"], sources: [[0, 1], [1, 0]], sequences: seq, config: c, rng: &rng)
    }

    /// One forward and backward with a tape budget of `fittingItems` items' intermediates.
    static func run(_ enc: FusionEncoder, fittingItems: Int, tables: [Parameter]) -> (out: [Matrix], grads: [Matrix]) {
        enc.tapeBudget = fittingItems * enc.length * enc.tapeBytesPerRow
        for p in enc.parameters + tables { p.grad.zero() }
        let t = Tape()
        let ys = enc(t, tables.map { t.parameter($0) })
        let loss = t.add(ParameterGradientCheck.project(t, ys[0], seed: 1), ParameterGradientCheck.project(t, ys[1], seed: 2))
        t.backward(from: loss)
        return (ys.map { t.value($0) }, (enc.parameters + tables).map(\.grad))
    }

    @Test func checkpointedChunksGiveTheSameOutputsAndGradientsAsOnePass() {
        let enc = Self.encoder()
        let tables = [Parameter("v", ParameterGradientCheck.random(9, 4, seed: 1)),
                      Parameter("t", ParameterGradientCheck.random(9, 4, seed: 2))]
        let direct = Self.run(enc, fittingItems: 5, tables: tables)
        #expect(enc.recomputedRows == 0)
        // 5 items over a budget of 2: 1 item on the tape, 4 checkpointed in chunks of 1 and recomputed.
        let chunked = Self.run(enc, fittingItems: 2, tables: tables)
        #expect(enc.recomputedRows == 4 * 3)
        for (a, b) in zip(direct.out, chunked.out) {
            #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        for (a, b) in zip(direct.grads, chunked.grads) {
            #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        #expect(direct.grads.contains { $0.data.contains { $0 != 0 } })
    }
}
