import Testing
import KGRecTensor
@testable import KGRecModel

/// A contract-conforming fake that records what the trainer feeds it (test target only).
final class RecordingRecommender: Recommender {
    let config = ModelConfig()
    let inner: BPRMatrixFactorization
    var epochs = 0, bprBatches = 0, kgBatches = 0, steps = 0
    var negatives: [(Int32, Int32)] = []
    var kgQuads: [(Int32, Int32, Int32, Int32)] = []
    /// The 1-based BPR or KG batch (counted over the whole run) whose loss comes back NaN.
    var nanAtBPRBatch: Int?, nanAtKGBatch: Int?

    init(_ d: Dataset) { inner = BPRMatrixFactorization(config: ModelConfig(), userCount: d.userCount, itemCount: d.itemCount) }
    func beginEpoch() { epochs += 1 }
    func bprLossAndGradients(users: [Int32], positives: [Int32], negatives n: [Int32]) -> Float {
        bprBatches += 1
        negatives += zip(users, n).map { ($0, $1) }
        let loss = inner.bprLossAndGradients(users: users, positives: positives, negatives: n)
        return bprBatches == nanAtBPRBatch ? .nan : loss
    }
    func kgLossAndGradients(heads: [Int32], relations: [Int32], tails: [Int32], negativeTails: [Int32]) -> Float {
        kgBatches += 1
        for k in 0..<heads.count { kgQuads.append((heads[k], relations[k], tails[k], negativeTails[k])) }
        return kgBatches == nanAtKGBatch ? .nan : 0.5
    }
    func step() { steps += 1; inner.step() }
    func inferenceEmbeddings() -> InferenceEmbeddings { inner.inferenceEmbeddings() }
    func namedParameters() -> [(name: String, value: Matrix)] { inner.namedParameters() }
    func loadParameters(_ t: [String: Matrix]) throws { try inner.loadParameters(t) }
}

@Suite struct TrainerTests {
    static let data = try! SyntheticKG(.tiny).dataset()

    static func config(epochs: Int) -> TrainConfig {
        var c = TrainConfig()
        c.epochs = epochs
        c.batchSize = 256
        c.kgBatchSize = 128
        return c
    }

    @Test func alternatesBPRAndKGPhasesWithValidNegatives() throws {
        let d = Self.data
        let model = RecordingRecommender(d)
        var c = Self.config(epochs: 2)
        c.kgBatchesPerEpoch = 3
        let result = try Trainer(model: model, dataset: d, config: c, progress: ProgressLine(enabled: false)).run()
        let cfBatches = (d.split.trainUsers.count + 255) / 256
        #expect(model.epochs == 2 && model.bprBatches == 2 * cfBatches && model.kgBatches == 6)
        #expect(model.steps == model.bprBatches + model.kgBatches)
        #expect(model.negatives.count == 2 * d.split.trainUsers.count)
        for (u, j) in model.negatives { #expect(!d.split.trainSets.contains(Int(u), j)) }
        for (h, r, t, tn) in model.kgQuads {
            #expect(r >= 2)
            #expect(d.graph.contains(head: h, relation: r, tail: t))
            #expect(!d.graph.contains(head: h, relation: r, tail: tn))
            #expect(tn < Int32(d.entityCount))
        }
        #expect(result.records.count == 2 && result.records[0].kgLoss == 0.5)
    }

    @Test func trainingMatrixFactorisationBeatsItsUntrainedSelf() throws {
        let d = Self.data
        let ev = Evaluator(split: d.split, ks: [20])
        let model = BPRMatrixFactorization(config: ModelConfig(), userCount: d.userCount, itemCount: d.itemCount)
        let before = ev.evaluate(model.inferenceEmbeddings(), phase: .test).value("ndcg", at: 20)!
        var c = Self.config(epochs: 40)
        c.kgBatchesPerEpoch = 0
        var mc = ModelConfig()
        mc.learningRate = 0.01
        let trained = BPRMatrixFactorization(config: mc, userCount: d.userCount, itemCount: d.itemCount)
        let r = try Trainer(model: trained, dataset: d, config: c, progress: ProgressLine(enabled: false)).run()
        let after = try #require(r.bestTest?.value("ndcg", at: 20))
        #expect(after > 2 * before)
        #expect(r.records.last!.bprLoss < r.records.first!.bprLoss)
    }

    @Test func stopsEarlyWhenValidationDoesNotImprove() throws {
        var mc = ModelConfig()
        mc.learningRate = 1e-12
        let model = BPRMatrixFactorization(config: mc, userCount: Self.data.userCount, itemCount: Self.data.itemCount)
        var c = Self.config(epochs: 50)
        c.patience = 2
        c.kgBatchesPerEpoch = 0
        let r = try Trainer(model: model, dataset: Self.data, config: c, progress: ProgressLine(enabled: false)).run()
        #expect(r.stoppedEarly && r.bestEpoch == 1 && r.records.count == 3)
        #expect(r.records[0].best && r.records[0].test != nil && r.records[1].test == nil)
    }

    @Test func sameSeedGivesTheSameRun() throws {
        func run() throws -> [Double] {
            let m = BPRMatrixFactorization(config: ModelConfig(), userCount: Self.data.userCount, itemCount: Self.data.itemCount)
            var c = Self.config(epochs: 3)
            c.kgBatchesPerEpoch = 0
            c.hardNegativeCandidates = 4
            return try Trainer(model: m, dataset: Self.data, config: c, progress: ProgressLine(enabled: false)).run().records.map(\.bprLoss)
        }
        #expect(try run() == run())
    }

    @Test(arguments: [(bpr: 2, kg: nil), (bpr: nil, kg: 4)] as [(bpr: Int?, kg: Int?)])
    func aNonFiniteLossStopsTrainingWithADivergedErrorBeforeItsStep(_ nanAt: (bpr: Int?, kg: Int?)) throws {
        let d = Self.data
        let model = RecordingRecommender(d)
        model.nanAtBPRBatch = nanAt.bpr
        model.nanAtKGBatch = nanAt.kg
        var c = Self.config(epochs: 3)
        c.batchSize = 64
        c.kgBatchesPerEpoch = 3
        let trainer = try Trainer(model: model, dataset: d, config: c, progress: ProgressLine(enabled: false))
        let error = #expect(throws: TrainError.self) { try trainer.run() }
        #expect(error?.code == .diverged)
        // Every batch before the NaN one was stepped; the NaN one was not, and nothing ran after it.
        #expect(model.steps == model.bprBatches + model.kgBatches - 1)
        #expect(nanAt.bpr.map { model.bprBatches == $0 && model.kgBatches == 0 } ?? (model.kgBatches == 4))
    }
}

/// `TrainConfig.fusionTapeBudgetGiB` reaches the model: below what a batch needs, the fusion
/// recomputes in the backward pass (same gradients, so the same training), and the memory
/// estimate counts the budget given.
@Suite struct FusionTapeBudgetTests {
    static func run(budgetGiB: Double?) throws -> (losses: [Double], recomputed: Int) {
        let d = TrainerTests.data
        var m = ModelConfig()
        m.embeddingSize = 16
        m.layerSizes = [16, 8]
        m.fusionBlocks = 1
        m.heads = 2
        var t = TrainerTests.config(epochs: 2)
        t.kgBatchesPerEpoch = 1
        t.evaluate = false
        t.fusionTapeBudgetGiB = budgetGiB
        let model = try #require(try ModelKind.multiKG4Rec.make(config: m, dataset: d) as? MultiKG4Rec)
        let r = try Trainer(model: model, dataset: d, config: t, progress: ProgressLine(enabled: false)).run()
        return (r.records.map(\.bprLoss), try #require(model.fusion).recomputedRows)
    }

    @Test func aBudgetBelowTheBatchRecomputesTheRestAndTrainsTheSame() throws {
        let whole = try Self.run(budgetGiB: nil)
        let small = try Self.run(budgetGiB: 1e-7)   // ~100 bytes: one item on the tape, the rest recomputed
        #expect(whole.recomputed == 0)
        #expect(small.recomputed > 0)
        for (a, b) in zip(whole.losses, small.losses) { #expect(abs(a - b) <= 1e-5 * abs(a)) }
    }

    @Test func theMemoryEstimateCountsTheBudgetGiven() {
        var t = TrainConfig()
        t.fusionTapeBudgetGiB = 0.25
        let e = TrainingMemory(dataset: TrainerTests.data, config: ModelConfig(), mode: .history, fusionTapeBudget: t.fusionTapeBudget)
        #expect(e.fusion == 0.25 * 1_073_741_824)
        #expect(TrainConfig().fusionTapeBudget == FusionEncoder.defaultTapeBudget)
    }

}
