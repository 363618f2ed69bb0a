import Testing
@testable import KGRecModel

/// The bar on the synthetic data: the full model beats each single-modality ablation, which beat
/// the model without content (KGAT), in test NDCG@20 — with a fixed seed, small dimensions.
@Suite struct SyntheticAblationTests {
    static let dataset = try! SyntheticKG(.ablationTest).dataset(sequenceLength: 8)

    static func ndcg(_ modalities: ModelConfig.Modalities) throws -> Double {
        var m = ModelConfig()
        m.modalities = modalities
        m.embeddingSize = 16
        m.layerSizes = [16, 8]
        m.fusionBlocks = 1
        m.heads = 2
        m.learningRate = 0.01
        var t = TrainConfig()
        t.epochs = 40
        t.batchSize = 1024
        t.kgBatchSize = 1024
        t.kgBatchesPerEpoch = 1
        t.patience = 5
        let model = try ModelKind.multiKG4Rec.make(config: m, dataset: dataset)
        let r = try Trainer(model: model, dataset: dataset, config: t, progress: ProgressLine(enabled: false)).run()
        return try #require(r.bestTest?.value("ndcg", at: 20))
    }

    @Test func fullBeatsSingleModalitiesWhichBeatNoContent() throws {
        let full = try Self.ndcg(.both)
        let textOnly = try Self.ndcg(.textOnly)      // w/o v
        let visualOnly = try Self.ndcg(.visualOnly)  // w/o t
        let none = try Self.ndcg(.none)              // w/o t&v (KGAT)
        #expect(full > textOnly && full > visualOnly, "full \(full), w/o v \(textOnly), w/o t \(visualOnly)")
        #expect(textOnly > none && visualOnly > none, "w/o v \(textOnly), w/o t \(visualOnly), w/o t&v \(none)")
    }
}
