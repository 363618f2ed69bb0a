import Foundation
@testable import KGRecCLI
@testable import KGRecModel
import KGRecTensor
import Testing

/// Serving a checkpoint trained with `--aggregator gat-jk`: the in-process serving stages and the
/// three real services (encoder → graph → ranker) give the offline model's scores.
@Suite(.serialized) struct GATJKServingTests {
    @Test func bothServingStagesOfAGATJKModelMatchItsInferenceEmbeddings() throws {
        let f = try ServingFixture(steps: 0)
        var c = ServingFixture.modelConfig()
        c.aggregator = .gatJK
        let model = try MultiKG4Rec(config: c, graph: f.dataset.graph, features: f.dataset.features,
                                    sequences: f.dataset.sequences)
        model.beginEpoch()  // a few steps, so the attention weights are not at their initial values
        for _ in 0..<3 {
            let split = f.dataset.split
            let b = Array(0..<32)
            _ = model.bprLossAndGradients(users: b.map { split.trainUsers[$0] }, positives: b.map { split.trainItems[$0] },
                                          negatives: b.map { Int32(($0 * 13) % f.dataset.itemCount) })
            model.step()
        }
        let serving = try ServingModel(model: model, dataset: f.dataset)
        let got = try serving.inferenceEmbeddings(), want = model.inferenceEmbeddings()
        #expect(maxAbsDifference(got.embeddings.users, want.users) < 1e-5)
        #expect(maxAbsDifference(got.embeddings.items, want.items) < 1e-5)
        // The reported attention is layer 1's α: a distribution over each node's edges.
        let g = f.dataset.graph
        for a in got.attention {
            #expect(a.count == g.tripleCount)
            let n = 0
            let sum = (Int(g.headOffsets[n])..<Int(g.headOffsets[n + 1])).reduce(Float(0)) { $0 + a[$1] }
            #expect(abs(sum - 1) < 1e-5)
        }
    }

    @Test func servedScoresOfAGATJKCheckpointEqualTheOfflineModelWithin1e4() async throws {
        let f = try await EndToEndFixture.gatJK.value
        #expect(try Checkpoint.read(from: f.checkpoint).model.aggregator == .gatJK)
        let testUsers = Array(Set(f.dataset.split.testUsers)).sorted().map(Int.init)
        try #require(!testUsers.isEmpty)
        try await f.withTopology("gat-jk-offline-equality") { t in
            let mismatches = try await f.servedMismatches(t, users: testUsers, tolerance: 1e-4)
            #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
        }
    }

    @Test func aggregatorAndFeatureMaskFlagsAreParsedAndGATJKRefusesHistoryPropagation() throws {
        func settings(_ extra: [String]) throws -> RunSettings {
            try RunSettings(flags: CommandFlags(["--data", "/nonexistent"] + extra, specs: RunSettings.specs))
        }
        let s = try settings(["--aggregator", "gat-jk", "--feature-mask", "0.2"])
        #expect(s.model.aggregator == .gatJK && s.model.featureMask == 0.2)
        #expect(try settings([]).model.aggregator == .biInteraction)
        let e = #expect(throws: CommandFlags.UsageError.self) {
            _ = try settings(["--aggregator", "gat-jk", "--propagation", "history"])
        }
        #expect(e?.description.contains("--propagation full") == true)
        #expect(throws: CommandFlags.UsageError.self) { _ = try settings(["--aggregator", "gat"]) }
    }
}
