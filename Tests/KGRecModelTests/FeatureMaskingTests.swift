@testable import KGRecModel
import KGRecTensor
import Testing

/// Feature masking (`ModelConfig.featureMask`, seed 000's augmentation): seeded per-epoch column
/// masks of the raw content, in training only.
@Suite struct FeatureMaskingTests {
    static func config(_ mask: Float) -> ModelConfig {
        var c = TinyGraph.smallConfig()
        c.featureMask = mask
        return c
    }

    static let batch: ([Int32], [Int32], [Int32]) = ([0, 1, 2, 3], [1, 3, 5, 1], [4, 0, 3, 2])

    @Test func featureMaskingZeroesSeededColumnsOfTheRawContentInTrainingOnly() throws {
        let (graph, features) = TinyGraph.make()
        let masked = try MultiKG4Rec(config: Self.config(0.5), graph: graph, features: features)
        let plain = try MultiKG4Rec(config: Self.config(0), graph: graph, features: features)
        #expect(masked.inferenceEmbeddings().items == plain.inferenceEmbeddings().items)  // same init
        masked.beginEpoch(); plain.beginEpoch()
        #expect(plain.channels.allSatisfy { $0.maskedColumns == nil })
        for ch in masked.channels {
            let m = try #require(ch.maskedColumns)
            #expect(m.count == ch.rawFeatures.cols && m.contains(true) && m.contains(false))
            // Layer 0 of a featured node is the projection of its raw vector with those columns zeroed.
            let t = Tape()
            let row = Int(ch.featuredNodes[0])
            var raw = Kernels.gatherRows(ch.rawFeatures, [0])
            for c in 0..<raw.cols where m[c] { raw.data[c] = 0 }
            let want = t.value(ch.projection!(t, raw)).row(0)
            func gap(_ got: [Float]) -> Float { zip(got, want).map { abs($0 - $1) }.max()! }
            #expect(gap(t.value(ch.layer0(t)).row(row)) < 1e-6)
            #expect(gap(t.value(ch.layer0Rows(t, [Int32(row)])).row(0)) < 1e-6)
        }
        let (u, p, n) = Self.batch
        let lm = masked.bprLossAndGradients(users: u, positives: p, negatives: n)
        let lp = plain.bprLossAndGradients(users: u, positives: p, negatives: n)
        #expect(lm != lp)
        // Inference (kgrec eval, serving) never masks, and the epoch's masks are kept for training.
        let masks = masked.channels.map(\.maskedColumns)
        for q in masked.allParameters { q.grad.zero() }
        for q in plain.allParameters { q.grad.zero() }
        #expect(masked.inferenceEmbeddings().items == plain.inferenceEmbeddings().items)
        #expect(masked.channels.map(\.maskedColumns) == masks)
    }

    @Test func featureMasksAreSeededAndRedrawnEachEpoch() throws {
        let (graph, features) = TinyGraph.make()
        let a = try MultiKG4Rec(config: Self.config(0.4), graph: graph, features: features)
        let b = try MultiKG4Rec(config: Self.config(0.4), graph: graph, features: features)
        var epochs: [[[Bool]?]] = []
        for _ in 0..<4 {
            a.beginEpoch(); b.beginEpoch()
            #expect(a.channels.map(\.maskedColumns) == b.channels.map(\.maskedColumns))
            epochs.append(a.channels.map(\.maskedColumns))
        }
        #expect(Set(epochs.map { "\($0)" }).count > 1)
    }

    @Test func featureMaskOutsideZeroToOneIsRejected() {
        var c = ModelConfig()
        c.featureMask = 1
        let one = #expect(throws: ModelError.self) { try c.validate() }
        #expect(one?.code == .invalidValue)
        c.featureMask = -0.1
        let negative = #expect(throws: ModelError.self) { try c.validate() }
        #expect(negative?.code == .invalidValue)
    }
}
