@testable import KGRecModel
import KGRecTensor
import Testing

/// A BPR batch fuses only its own items on the tape; every other item's fused layer-0 row comes from
/// the no-gradient cache refreshed with the attention (`MultiKG4Rec.fusedItems`).
@Suite struct BatchLocalFusionTests {
    /// `fittingItems`: the fusion's tape budget in items (nil: the default budget, no checkpointing).
    static func model(fittingItems: Int? = nil) throws -> MultiKG4Rec {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(), graph: graph, features: features)
        if let fittingItems, let f = model.fusion { f.tapeBudget = fittingItems * f.length * f.tapeBytesPerRow }
        model.beginEpoch()
        // One TransR step moves layer 0, so the cache (from beginEpoch) is stale from here on.
        _ = model.kgLossAndGradients(heads: [0, 2, 8], relations: [2, 2, 5], tails: [6, 7, 3],
                                     negativeTails: [8, 6, 1])
        model.step()
        return model
    }

    /// Loss and every parameter's gradient of one BPR batch.
    static func lossAndGradients(_ model: MultiKG4Rec, users: [Int32], positives: [Int32],
                                 negatives: [Int32]) -> (Float, [Matrix]) {
        for p in model.allParameters { p.grad.zero() }
        let loss = model.bprLossAndGradients(users: users, positives: positives, negatives: negatives)
        let grads = model.allParameters.map(\.grad)
        for p in model.allParameters { p.grad.zero() }
        return (loss, grads)
    }

    @Test(arguments: [nil, 2])  // one pass; one item on the tape, the rest checkpointed one by one
    func aBatchCoveringEveryItemGivesTheWholeCatalogueLossAndGradients(fittingItems: Int?) throws {
        let model = try Self.model(fittingItems: fittingItems)
        let batch = (users: [Int32]([0, 1, 2, 3]), pos: [Int32]([1, 3, 5, 1]), neg: [Int32]([4, 0, 3, 2]))
        let local = Self.lossAndGradients(model, users: batch.users, positives: batch.pos, negatives: batch.neg)
        model.fuseWholeCatalogue = true
        let whole = Self.lossAndGradients(model, users: batch.users, positives: batch.pos, negatives: batch.neg)
        #expect(abs(local.0 - whole.0) <= 1e-6 * max(1, abs(whole.0)))
        for (p, (a, b)) in zip(model.allParameters, zip(local.1, whole.1)) {
            let scale = max(1e-3, b.data.map(abs).max() ?? 0)
            let gap = zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
            #expect(gap <= 1e-5 * scale, "\(p.name): max gap \(gap)")
        }
        #expect(whole.1.contains { $0.data.contains { $0 != 0 } })
    }

    @Test func aPartialBatchDiffersFromTheWholeCatalogueOnlyThroughTheStaleCache() throws {
        // Forward: with a fresh cache the batch-local loss equals the whole-catalogue one; with the
        // stale cache it does not. Backward: fusion weights get gradient only through the batch's
        // items, so their gradient differs from the whole-catalogue path's.
        let model = try Self.model()
        let batch = (users: [Int32]([0, 2]), pos: [Int32]([1, 4]), neg: [Int32]([3, 1]))
        let stale = Self.lossAndGradients(model, users: batch.users, positives: batch.pos, negatives: batch.neg)
        model.refreshAttention(dropEdges: false)  // fresh cache, and attention from the same parameters
        let fresh = Self.lossAndGradients(model, users: batch.users, positives: batch.pos, negatives: batch.neg)
        model.fuseWholeCatalogue = true
        let whole = Self.lossAndGradients(model, users: batch.users, positives: batch.pos, negatives: batch.neg)
        #expect(stale.0 != fresh.0)
        #expect(abs(fresh.0 - whole.0) <= 1e-6 * max(1, abs(whole.0)))
        // Fusion parameters: the whole-catalogue path also back-propagates through items 0, 2, 5.
        let fusionIndex = model.allParameters.firstIndex { $0.name.hasPrefix("fusion.block0.visual.wq") }!
        #expect(fresh.1[fusionIndex] != whole.1[fusionIndex])
    }

    @Test func batchLocalGradientsMatchFiniteDifferences() throws {
        let model = try Self.model()
        let e = MultiKG4RecTests.relativeError(model, names: ["visual.projection", "text.id_embedding", "visual.layer0",
                                                              "text.layer1", "fusion.block0.visual", "fusion.block1.text"]) {
            model.bprLossAndGradients(users: [0, 2, 3], positives: [1, 4, 1], negatives: [3, 1, 4])
        }
        #expect(e < 3e-2)
    }

    @Test func batchLocalGradientsMatchFiniteDifferencesWithCheckpointedFusion() throws {
        let model = try Self.model(fittingItems: 1)  // one item on the tape, the rest checkpointed one by one
        let e = MultiKG4RecTests.relativeError(model, names: ["fusion.block0.text", "fusion.block1.visual",
                                                              "visual.projection", "text.id_embedding"]) {
            model.bprLossAndGradients(users: [0, 2, 3], positives: [1, 4, 1], negatives: [3, 1, 4])
        }
        #expect(e < 3e-2)
    }

    @Test func fusingASubsetGivesThoseRowsOfFusingEveryItem() throws {
        let model = try Self.model()
        let fusion = try #require(model.fusion)
        let tape = Tape()
        let base = model.channels.map { $0.layer0(tape) }
        let all = fusion(tape, base).map { tape.value($0) }
        let items: [Int32] = [1, 4, 5]
        let some = fusion(tape, base, items: items).map { tape.value($0) }
        let inferred = fusion.infer(base.map { tape.value($0) })
        for c in 0..<2 {
            for (k, i) in items.enumerated() {
                #expect(zip(some[c].row(k), all[c].row(Int(i))).allSatisfy { abs($0 - $1) < 1e-6 })
            }
            #expect(zip(inferred[c].data, all[c].data).allSatisfy { abs($0 - $1) < 1e-6 })
        }
    }

    @Test func withoutFusionThereIsNoCache() throws {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: TinyGraph.smallConfig(.none), graph: graph, features: features)
        model.beginEpoch()
        #expect(model.fusedItems.isEmpty)
        let loss = model.bprLossAndGradients(users: [0, 1], positives: [1, 3], negatives: [4, 0])
        #expect(loss.isFinite)
    }
}
