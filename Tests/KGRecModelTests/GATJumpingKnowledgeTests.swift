@testable import KGRecModel
import KGRecTensor
import Testing

/// The GAT-JK aggregator (`ModelConfig.Aggregator.gatJK`, seed 000): the layer's parameter
/// gradients by finite differences (toy and d = 64 on 2 threads), the whole model's BPR loss through
/// the attention with gradient, and what the checkpoint and inference do with it.
@Suite(.serialized) struct GATJumpingKnowledgeTests {
    let tolerance = 2e-2

    static func graph(nodes: Int, maxDegree: Int, seed: UInt64) -> (SparseGraph, [Int32]) {
        var rng = Xoshiro256(seed: seed)
        var offsets: [Int32] = [0], tails = [Int32]()
        for _ in 0..<nodes {
            for _ in 0..<rng.below(maxDegree + 1) { tails.append(Int32(rng.below(nodes))) }
            offsets.append(Int32(tails.count))
        }
        let g = SparseGraph(offsets: offsets, tails: tails, tailCount: nodes)
        return (g, (0..<g.edgeCount).map { _ in Int32(rng.below(5)) })
    }

    static func gatConfig() -> ModelConfig {
        var c = TinyGraph.smallConfig()
        c.aggregator = .gatJK
        return c
    }

    @Test func gatLayerParameterAndInputGradientsMatchFiniteDifferences() {
        let (g, rel) = Self.graph(nodes: 9, maxDegree: 4, seed: 1)
        var rng = Xoshiro256(seed: 2)
        let layer = GATJumpingKnowledgeLayer("g", input: 6, output: 5, relations: 5, slope: 0.2, rng: &rng)
        let h = ParameterGradientCheck.random(9, 6, seed: 3)
        let e = ParameterGradientCheck.relativeError(layer.parameters, samples: 30, epsilon: 1e-3) { t in
            ParameterGradientCheck.project(t, layer(t, t.constant(h), graph: g, edgeRelations: rel).output)
        }
        #expect(e < tolerance)
    }

    @Test func gatLayerAtWidth64MatchesFiniteDifferencesOnTwoThreads() {
        let (g, rel) = Self.graph(nodes: 2600, maxDegree: 12, seed: 4)
        var rng = Xoshiro256(seed: 5)
        // slope 1: thousands of aggregated pre-activations would straddle the LeakyReLU kink under
        // any ε (that op has its own check); this test is about the attention and SpMM at d = 64.
        let layer = GATJumpingKnowledgeLayer("g", input: 64, output: 64, relations: 5, slope: 1, rng: &rng)
        let h = ParameterGradientCheck.random(2600, 64, seed: 6)
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        let e = ParameterGradientCheck.relativeError(layer.parameters, samples: 16, epsilon: 2e-3) { t in
            ParameterGradientCheck.project(t, layer(t, t.constant(h), graph: g, edgeRelations: rel).output)
        }
        #expect(e < tolerance)
    }

    @Test func bprLossGradientsMatchFiniteDifferencesThroughTheGATAttention() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: Self.gatConfig(), graph: graph, features: features)
        #expect(model.channels.allSatisfy { $0.layers.isEmpty && $0.gatLayers.count == 2 })
        let e = MultiKG4RecTests.relativeError(model, names: ["visual.gat0.query", "text.gat0.relation", "text.gat1.message",
                                                              "visual.gat1.jump", "text.id_embedding", "fusion.block0.visual"],
                                               epsilon: 3e-4) {
            model.bprLossAndGradients(users: [0, 1, 2, 3], positives: [1, 3, 5, 1], negatives: [4, 0, 3, 2])
        }
        #expect(e < 3e-2)
        // The attention is on the tape: its query weights get gradient from the BPR loss.
        _ = model.bprLossAndGradients(users: [0, 1, 2, 3], positives: [1, 3, 5, 1], negatives: [4, 0, 3, 2])
        let query = model.allParameters.first { $0.name == "text.gat0.query.weight" }!
        #expect(query.grad.data.contains { $0 != 0 })
        for p in model.allParameters { p.grad.zero() }
    }

    @Test func aGATJKCheckpointRecordsItsAggregatorAndRestoresTheSameScores() throws {
        let (graph, features) = TinyGraph.make()
        let a = try MultiKG4Rec(config: Self.gatConfig(), graph: graph, features: features)
        a.beginEpoch()
        for _ in 0..<3 {
            _ = a.bprLossAndGradients(users: [0, 1, 2, 3], positives: [0, 2, 4, 5], negatives: [3, 5, 1, 0])
            a.step()
        }
        let json = try JSONEncoder().encode(a.config)
        let decoded = try JSONDecoder().decode(ModelConfig.self, from: json)
        #expect(decoded.aggregator == .gatJK)
        var c = decoded
        c.seed = 99
        let b = try MultiKG4Rec(config: c, graph: graph, features: features)
        try b.loadParameters(Dictionary(uniqueKeysWithValues: a.namedParameters().map { ($0.name, $0.value) }))
        #expect(a.inferenceEmbeddings().items == b.inferenceEmbeddings().items)
        // A Bi-Interaction model has other tensors: loading a GAT-JK checkpoint into it is an error.
        let bi = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        let error = #expect(throws: ModelError.self) {
            try bi.loadParameters(Dictionary(uniqueKeysWithValues: a.namedParameters().map { ($0.name, $0.value) }))
        }
        #expect(error?.code == .missingTensor)
    }

    @Test func edgeDropoutRemovesEdgesFromTheGATAttentionDuringTrainingOnly() throws {
        let (graph, features) = TinyGraph.make()
        var c = Self.gatConfig()
        c.edgeDropout = 0.5
        let model = try MultiKG4Rec(config: c, graph: graph, features: features)
        let before = model.inferenceEmbeddings()
        model.beginEpoch()
        let dropped = try #require(model.droppedEdges)
        #expect(dropped.contains(true) && dropped.contains(false))
        let trainLoss = model.bprLossAndGradients(users: [0, 1, 2, 3], positives: [1, 3, 5, 1], negatives: [4, 0, 3, 2])
        for p in model.allParameters { p.grad.zero() }
        model.droppedEdges = nil
        let fullLoss = model.bprLossAndGradients(users: [0, 1, 2, 3], positives: [1, 3, 5, 1], negatives: [4, 0, 3, 2])
        for p in model.allParameters { p.grad.zero() }
        #expect(trainLoss != fullLoss)
        model.droppedEdges = dropped
        #expect(model.inferenceEmbeddings().items == before.items)  // inference never drops edges
    }
}

import Foundation
