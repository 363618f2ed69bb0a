@testable import KGRecModel
import KGRecTensor
import Testing

/// History-mode training propagation (`PropagationMode.history`): a BPR batch computes its layers
/// for its own nodes from per-epoch history tables.
@Suite struct HistoryPropagationTests {
    static func model(_ config: ModelConfig = TinyGraph.smallConfig()) throws -> MultiKG4Rec {
        let (graph, features) = TinyGraph.make()
        let model = try MultiKG4Rec(config: config, graph: graph, features: features)
        model.setPropagation(.history)
        model.beginEpoch()
        return model
    }

    static let batch = (users: [Int32]([0, 2, 3]), pos: [Int32]([1, 4, 1]), neg: [Int32]([3, 1, 5]))

    static func lossAndGradients(_ model: MultiKG4Rec) -> (Float, [String: Matrix]) {
        for p in model.allParameters { p.grad.zero() }
        let loss = model.bprLossAndGradients(users: batch.users, positives: batch.pos, negatives: batch.neg)
        let grads = Dictionary(uniqueKeysWithValues: model.allParameters.map { ($0.name, $0.grad) })
        for p in model.allParameters { p.grad.zero(); p.clearRows() }
        return (loss, grads)
    }

    @Test func withFreshTablesTheHistoryBatchHasTheFullBatchLoss() throws {
        let model = try Self.model()
        let history = Self.lossAndGradients(model)
        model.propagation = .full  // same parameters, attention and fused cache
        let full = Self.lossAndGradients(model)
        #expect(abs(history.0 - full.0) <= 1e-6 * max(1, abs(full.0)))
        // The last layer's weights see the same inputs and output gradients in both modes; the
        // first layer's gradient differs: history mode does not back-propagate into the
        // neighbours' layer-1 rows (they are table constants).
        for name in ["visual.layer1.w1.weight", "text.layer1.w2.weight"] {
            let a = try #require(history.1[name]), b = try #require(full.1[name])
            let gap = zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
            #expect(gap <= 1e-5 * max(1e-3, b.data.map(abs).max() ?? 0), "\(name): gap \(gap)")
        }
        #expect(history.1["visual.layer0.w1.weight"] != full.1["visual.layer0.w1.weight"])
    }

    @Test func staleTablesChangeTheLossUntilTheNextEpochRefreshesThem() throws {
        let model = try Self.model()
        _ = model.kgLossAndGradients(heads: [0, 2, 8], relations: [2, 2, 5], tails: [6, 7, 3], negativeTails: [8, 6, 1])
        model.step()  // moves layer 0: the tables (and the fused cache) are now stale
        let stale = Self.lossAndGradients(model).0
        model.beginEpoch()
        let fresh = Self.lossAndGradients(model).0
        model.propagation = .full
        let full = Self.lossAndGradients(model).0
        #expect(stale != fresh)
        #expect(abs(fresh - full) <= 1e-6 * max(1, abs(full)))
    }

    @Test func historyBatchGradientsMatchFiniteDifferences() throws {
        let model = try Self.model()
        let e = MultiKG4RecTests.relativeError(model, names: ["visual.projection", "text.id_embedding", "visual.id_embedding",
                                                              "visual.layer0", "text.layer1", "fusion.block0.visual",
                                                              "fusion.block1.text"], epsilon: 3e-4) {
            model.bprLossAndGradients(users: Self.batch.users, positives: Self.batch.pos, negatives: Self.batch.neg)
        }
        #expect(e < 3e-2)
    }

    @Test func aHistoryStepUpdatesOnlyTheRowsTheBatchReached() throws {
        let model = try Self.model()
        let before = model.channels[0].idEmbedding.value
        _ = model.kgLossAndGradients(heads: [0, 2], relations: [2, 2], tails: [6, 7], negativeTails: [8, 6])
        #expect(Set(model.channels[0].idEmbedding.touchedRows) == [0, 2, 6, 7, 8])
        model.step()
        let after = model.channels[0].idEmbedding.value
        // Untouched rows stay exactly; the attributes' rows move (items 0 and 2 have visual content,
        // so their ID rows get zero gradient and, with fresh moments, no update either).
        for r in 0..<before.rows where ![0, 2, 6, 7, 8].contains(r) { #expect(before.row(r) == after.row(r), "row \(r)") }
        for r in [6, 7, 8] { #expect(before.row(r) != after.row(r), "row \(r)") }
    }

    @Test func aSeededHistoryRunIsDeterministic() throws {
        var config = TinyGraph.smallConfig()
        config.messageDropout = 0.2  // exercises the model's random stream
        func run() throws -> [Matrix] {
            let model = try Self.model(config)
            for epoch in 0..<2 {
                if epoch > 0 { model.beginEpoch() }
                _ = model.bprLossAndGradients(users: Self.batch.users, positives: Self.batch.pos, negatives: Self.batch.neg)
                model.step()
                _ = model.kgLossAndGradients(heads: [0, 2, 8], relations: [2, 2, 5], tails: [6, 7, 3], negativeTails: [8, 6, 1])
                model.step()
            }
            return model.namedParameters().map(\.value) + [model.inferenceEmbeddings().users]
        }
        let (a, b) = (try run(), try run())
        #expect(a == b)
        let untrained = try Self.model(config).namedParameters().map(\.value)
        #expect(a.prefix(untrained.count).elementsEqual(untrained) == false)
    }
}
