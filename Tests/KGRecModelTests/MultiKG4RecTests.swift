@testable import KGRecModel
import KGRecTensor
import Testing

/// A tiny collaborative KG with partial visual/text content, for whole-model tests.
enum TinyGraph {
    /// 6 items, 3 attributes, 4 users, 2 KG relations; item 5 has no visual, attribute 7 has text.
    static func make() -> (CollaborativeKG, MultimodalFeatures) {
        let users: [Int32] = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3]
        let items: [Int32] = [0, 1, 2, 2, 3, 0, 4, 5, 1, 5]
        var kg = KGTriples(relationNames: ["genre", "director"])
        for (h, r, t) in [(0, 0, 6), (1, 0, 6), (2, 0, 7), (3, 1, 8), (4, 0, 7), (5, 1, 8), (1, 1, 8)] {
            kg.append(Int32(h), Int32(r), Int32(t))
        }
        let graph = CollaborativeKG(itemCount: 6, attributeCount: 3, userCount: 4,
                                    trainUsers: users, trainItems: items, knowledge: kg)
        var rng = Xoshiro256(seed: 3)
        let visual = ModalityFeatures(width: 6, values: (0..<30).map { _ in rng.uniform(-1, 1) },
                                      rowOfEntity: [0, 1, 2, 3, 4, -1, -1, -1, -1])
        let text = ModalityFeatures(width: 5, values: (0..<35).map { _ in rng.uniform(-1, 1) },
                                    rowOfEntity: [0, 1, 2, 3, 4, 5, -1, 6, -1])
        return (graph, MultimodalFeatures(visual: visual, text: text))
    }

    static func smallConfig(_ modalities: ModelConfig.Modalities = .both) -> ModelConfig {
        var c = ModelConfig()
        c.modalities = modalities
        c.embeddingSize = 8
        c.layerSizes = [8, 4]
        c.fusionBlocks = 2
        c.heads = 2
        c.ffnSize = 8
        c.sequenceLength = 4
        c.messageDropout = 0
        c.l2 = 1e-2
        c.seed = 11
        return c
    }
}

@Suite struct MultiKG4RecTests {
    /// Whole-model finite differences of `loss` w.r.t. sampled elements of the named parameters.
    static func relativeError(_ model: MultiKG4Rec, names: [String], epsilon: Float = 3e-3,
                              loss: () -> Float) -> Double {
        let params = model.allParameters.filter { p in names.contains { p.name.hasPrefix($0) } }
        precondition(!params.isEmpty)
        for p in model.allParameters { p.grad.zero() }
        _ = loss()
        let analytic = params.map(\.grad)
        var rng = Xoshiro256(seed: 1)
        var diff = 0.0, na = 0.0, nn = 0.0
        for (k, p) in params.enumerated() {
            for _ in 0..<min(8, p.value.count) {
                let i = rng.below(p.value.count)
                let x = p.value.data[i]
                p.value.data[i] = x + epsilon
                let lp = Double(loss())
                p.value.data[i] = x - epsilon
                let lm = Double(loss())
                p.value.data[i] = x
                let numeric = (lp - lm) / (2 * Double(epsilon))
                let a = Double(analytic[k].data[i])
                diff += (a - numeric) * (a - numeric); na += a * a; nn += numeric * numeric
            }
        }
        for p in model.allParameters { p.grad.zero() }
        return diff.squareRoot() / max(na.squareRoot(), nn.squareRoot(), 1e-6)
    }

    @Test func bprLossGradientsMatchFiniteDifferencesThroughFusionAndPropagation() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        // ε 3e-4: text.layer1 feeds an L2 normalisation of short rows, so the loss is strongly curved
        // there; its difference quotient converges to the analytic gradient only as ε shrinks to
        // ~3e-4 (measured once with a temporary per-parameter sweep over ε 1e-2 … 3e-4).
        let e = Self.relativeError(model, names: ["visual.projection", "text.id_embedding", "visual.layer0",
                                                  "text.layer1", "fusion.block0.visual", "fusion.block1.text"],
                                   epsilon: 3e-4) {
            model.bprLossAndGradients(users: [0, 1, 2, 3], positives: [1, 3, 5, 1], negatives: [4, 0, 3, 2])
        }
        #expect(e < 3e-2)
    }

    @Test func bprLossGradientsMatchFiniteDifferencesWithCheckpointedFusion() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        if let f = model.fusion { f.tapeBudget = 2 * f.length * f.tapeBytesPerRow }  // 1 item on the tape, 1 per chunk
        let e = Self.relativeError(model, names: ["fusion.block0.text", "fusion.block1.visual", "visual.projection",
                                                  "text.id_embedding"]) {
            model.bprLossAndGradients(users: [0, 1, 2, 3], positives: [1, 3, 5, 1], negatives: [4, 0, 3, 2])
        }
        #expect(e < 3e-2)
    }

    @Test func kgLossGradientsMatchFiniteDifferences() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        // ε 1e-3: one text-projection pre-activation lies within 3e-3 of the LeakyReLU kink, so a
        // 3e-3 step straddles it (text.projection.bias[6]: analytic −0.101, ±3e-3 difference −0.130).
        let e = Self.relativeError(model, names: ["visual.relation", "text.relation", "text.projection",
                                                  "visual.id_embedding"], epsilon: 1e-3) {
            model.kgLossAndGradients(heads: [0, 6, 11, 2], relations: [2, 3, 0, 4],
                                     tails: [6, 0, 2, 7], negativeTails: [8, 3, 5, 1])
        }
        #expect(e < 3e-2)
    }

    @Test func inferenceEmbeddingsHaveOneBlockPerChannel() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        let emb = model.inferenceEmbeddings()
        #expect(emb.users.rows == 4 && emb.items.rows == 6)
        #expect(emb.users.cols == 2 * (8 + 8 + 4) && emb.items.cols == emb.users.cols)
        #expect(emb.channels.map(\.name) == ["visual", "text"])
        #expect(emb.visualWidth == 20)
    }

    @Test func itemLayer0IsItsOwnRowPlusAFusedVectorStartingAtTheIDEmbeddingScale() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        let tape = Tape()
        let base = model.channels.map { tape.value($0.layer0(tape)) }
        let items = (0..<Int32(6)).map { $0 }
        let layer0 = model.fuseItems(tape, base.map { tape.constant($0) }, items: items).map { tape.value($0) }
        let fusedOnly = try #require(model.fusion).infer(base)
        // Own row + fused vector, identically on the tape (training) and without it (inference).
        let inferred = model.inferItems(base)
        for c in 0..<2 { #expect(zip(inferred[c].data, layer0[c].data).allSatisfy { abs($0 - $1) < 1e-5 }) }
        // The fused part is a LayerNorm output with γ = the ID table's Xavier std s, so each row has
        // norm s·√d (zero mean, unit variance before γ): the scale of every other layer-0 row.
        let s = (2 / Float(graph.nodeCount + 8)).squareRoot()
        for c in 0..<2 {
            for i in 0..<6 {
                let own = base[c].row(i), fused = fusedOnly[c].row(i), sum = layer0[c].row(i)
                for k in 0..<8 { #expect(abs(sum[k] - own[k] - fused[k]) < 1e-5) }
                let norm = fused.reduce(0) { $0 + $1 * $1 }.squareRoot()
                #expect(abs(norm - s * Float(8).squareRoot()) < 0.01 * s * Float(8).squareRoot())
            }
        }
    }

    @Test func withoutModalitiesTheModelIsKGAT() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(.none), graph: graph, features: features)
        #expect(model.fusion == nil)
        #expect(model.channels.count == 1 && model.channels[0].projection == nil)
        let emb = model.inferenceEmbeddings()
        #expect(emb.channels.map(\.name) == ["id"] && emb.items.cols == 20)
        // Layer 0 of an item is exactly its ID embedding row.
        #expect(Array(emb.items.row(2).prefix(8)) == model.channels[0].idEmbedding.value.row(2))
    }

    @Test func sameSeedGivesIdenticalTraining() throws {
        let (graph, features) = TinyGraph.make()
        func run() throws -> [Float] {
            var c = TinyGraph.smallConfig()
            c.messageDropout = 0.2
            c.edgeDropout = 0.1
            let model = try MultiKG4Rec(config: c, graph: graph, features: features)
            var losses: [Float] = []
            for _ in 0..<3 {
                model.beginEpoch()
                losses.append(model.bprLossAndGradients(users: [0, 1, 2], positives: [1, 3, 5], negatives: [4, 0, 3]))
                model.step()
                losses.append(model.kgLossAndGradients(heads: [0, 1], relations: [2, 2], tails: [6, 6],
                                                       negativeTails: [8, 7]))
                model.step()
            }
            return losses + model.inferenceEmbeddings().items.data
        }
        #expect(try run() == run())
    }

    @Test func trainingLowersTheBPRLossOnAFixedBatch() throws {
        let (graph, features) = TinyGraph.make()
        var c = TinyGraph.smallConfig()
        c.learningRate = 1e-2
        let model = try MultiKG4Rec(config: c, graph: graph, features: features)
        let batch = (users: [Int32]([0, 1, 2, 3]), pos: [Int32]([1, 3, 5, 1]), neg: [Int32]([4, 0, 3, 2]))
        let first = model.bprLossAndGradients(users: batch.users, positives: batch.pos, negatives: batch.neg)
        model.step()
        var last = first
        for _ in 0..<30 {
            last = model.bprLossAndGradients(users: batch.users, positives: batch.pos, negatives: batch.neg)
            model.step()
        }
        #expect(last < first * 0.5)
    }

    @Test func inferenceAfterTrainingStepsMatchesAReloadedCheckpoint() throws {
        // Evaluation mid-training must use attention from the current parameters, as `kgrec eval`
        // and the serving stages do, not the attention of the epoch's start.
        let (graph, features) = TinyGraph.make()
        let a = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        a.beginEpoch()
        for _ in 0..<5 {
            _ = a.bprLossAndGradients(users: [0, 1, 2, 3], positives: [0, 2, 4, 5], negatives: [3, 5, 1, 0])
            _ = a.kgLossAndGradients(heads: [0, 2], relations: [2, 2], tails: [6, 7], negativeTails: [8, 6])
            a.step()
        }
        var c = TinyGraph.smallConfig()
        c.seed = 99
        let b = try MultiKG4Rec(config: c, graph: graph, features: features)
        try b.loadParameters(Dictionary(uniqueKeysWithValues: a.namedParameters().map { ($0.name, $0.value) }))
        let (ea, eb) = (a.inferenceEmbeddings(), b.inferenceEmbeddings())
        let gap = zip(ea.users.data + ea.items.data, eb.users.data + eb.items.data).map { abs($0 - $1) }.max()!
        #expect(gap < 1e-6)
    }

    @Test func checkpointRoundTripRestoresScoresAndRejectsMismatches() throws {
        let (graph, features) = TinyGraph.make()
        let a = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        var c = TinyGraph.smallConfig()
        c.seed = 99
        let b = try MultiKG4Rec(config: c, graph: graph, features: features)
        #expect(a.inferenceEmbeddings().items != b.inferenceEmbeddings().items)
        let tensors = Dictionary(uniqueKeysWithValues: a.namedParameters().map { ($0.name, $0.value) })
        try b.loadParameters(tensors)
        #expect(a.inferenceEmbeddings().items == b.inferenceEmbeddings().items)

        var wrong = tensors
        wrong["text.id_embedding"] = Matrix(rows: 2, cols: 2)
        let wrongShape = #expect(throws: ModelError.self) { try b.loadParameters(wrong) }
        #expect(wrongShape?.code == .shapeMismatch)
        var missing = tensors
        missing["visual.layer0.w1.weight"] = nil
        let absent = #expect(throws: ModelError.self) { try b.loadParameters(missing) }
        #expect(absent?.code == .missingTensor)
    }

    @Test func parameterNamesAreUnique() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        let names = model.namedParameters().map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test func invalidConfigIsRejected() {
        let (graph, features) = TinyGraph.make()
        var c = TinyGraph.smallConfig()
        c.heads = 3
        let error = #expect(throws: ModelError.self) { try MultiKG4Rec(config: c, graph: graph, features: features) }
        #expect(error?.code == .invalidValue)
    }

    @Test func neighbourSequencesOfAnotherGraphAreAnInconsistentModelError() throws {
        let (graph, features) = TinyGraph.make()
        let c = TinyGraph.smallConfig()
        // Five items where the model's graph has six.
        let other = CollaborativeKG(itemCount: 5, attributeCount: 3, userCount: 4, trainUsers: [0, 1], trainItems: [0, 4],
                                    knowledge: KGTriples(relationNames: ["genre"]))
        let error = #expect(throws: ModelError.self) {
            try MultiKG4Rec(config: c, graph: graph, features: features,
                            sequences: NeighbourSequences(graph: other, length: c.sequenceLength))
        }
        #expect(error?.code == .inconsistent)
        _ = try MultiKG4Rec(config: c, graph: graph, features: features,
                            sequences: NeighbourSequences(graph: graph, length: c.sequenceLength))
    }

}
