@testable import KGRecModel
import KGRecTensor
import Testing

/// `TrainConfig.fusionItemsPerBatch`: a BPR batch with more distinct items than the limit fuses a
/// random subset on the tape (its gradient reweighted by items / subset) and gives the other items
/// their live layer-0 row plus the cached fused vector. TinyGraph: 6 items; the batch has 4.
@Suite struct FusionSamplingTests {
    static let batch = (users: [Int32]([0, 2, 3]), pos: [Int32]([1, 4, 1]), neg: [Int32]([3, 1, 5]))  // items {1, 3, 4, 5}

    static func model(_ mode: PropagationMode, itemsPerBatch: Int) throws -> MultiKG4Rec {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        model.setPropagation(mode)
        model.setFusionTraining(tapeBudget: FusionEncoder.defaultTapeBudget, itemsPerBatch: itemsPerBatch)
        model.beginEpoch()
        return model
    }

    static func loss(_ model: MultiKG4Rec) -> Float {
        model.bprLossAndGradients(users: batch.users, positives: batch.pos, negatives: batch.neg)
    }

    @Test(arguments: [PropagationMode.full, .history])
    func withAFreshCacheASampledBatchHasTheExactLoss(_ mode: PropagationMode) throws {
        let exact = try Self.model(mode, itemsPerBatch: 0)
        let sampled = try Self.model(mode, itemsPerBatch: 2)
        #expect(sampled.samplesFusion && !sampled.fusedDeltas.isEmpty)
        #expect(!exact.samplesFusion && exact.fusedDeltas.isEmpty)
        let a = Self.loss(exact), b = Self.loss(sampled)
        #expect(abs(a - b) <= 1e-6 * max(1, abs(a)), "exact \(a), sampled \(b)")
    }

    @Test func theSampleIsTheLimitsSizeSortedAndDrawnFromTheBatchItems() throws {
        let model = try Self.model(.history, itemsPerBatch: 2)
        let items: [Int32] = [1, 3, 4, 5]
        var seen = Set<Int32>()
        for _ in 0..<20 {
            let s = model.fusionSample(items)
            #expect(s.fused.count == 2 && s.fused == s.fused.sorted() && s.cached == s.cached.sorted())
            #expect((s.fused + s.cached).sorted() == items)
            #expect(s.weight == 2)
            seen.formUnion(s.fused)
        }
        #expect(seen == Set(items))  // every item gets sampled
        let all = model.fusionSample([1, 3])
        #expect(all.fused == [1, 3] && all.cached.isEmpty && all.weight == 1)
    }

    /// The fusion weights' gradient is `weight` × the gradient of the sampled batch's loss (with
    /// the same sample): finite differences of `weight · loss` with the sample held fixed.
    @Test(arguments: [PropagationMode.full, .history])
    func sampledFusionGradientsAreTheReweightedFiniteDifferences(_ mode: PropagationMode) throws {
        let model = try Self.model(mode, itemsPerBatch: 2)
        let drawn = model.rng
        let weight: Float = 2  // 4 items, 2 fused
        let fusion = MultiKG4RecTests.relativeError(model, names: ["fusion.block0.visual", "fusion.block1.text"], epsilon: 3e-4) {
            model.rng = drawn  // the same sample in every evaluation
            return weight * Self.loss(model)
        }
        #expect(fusion < 3e-2)
        // Weights no fused row feeds get the plain gradient of the sampled loss.
        let layers = MultiKG4RecTests.relativeError(model, names: ["visual.layer0", "text.layer1"], epsilon: 3e-4) {
            model.rng = drawn
            return Self.loss(model)
        }
        #expect(layers < 3e-2)
    }

    @Test func aLimitCoveringTheBatchGivesTheUnsampledGradients() throws {
        let exact = try Self.model(.history, itemsPerBatch: 0)
        let covering = try Self.model(.history, itemsPerBatch: 4)
        _ = Self.loss(exact); _ = Self.loss(covering)
        for (p, q) in zip(exact.allParameters, covering.allParameters) { #expect(p.grad == q.grad, "\(p.name)") }
    }

    @Test func aNegativeLimitIsRefused() throws {
        var t = TrainConfig()
        t.fusionItemsPerBatchLimit = -1
        #expect(throws: DataError.self) { try t.validate() }
        t.fusionItemsPerBatchLimit = 0
        try t.validate()
        #expect(TrainConfig().fusionItemsPerBatch == TrainConfig.defaultFusionItemsPerBatch)
    }
}
