import Foundation
import Testing
import KGRecTensor
@testable import KGRecModel

@Suite struct EvaluatorTests {
    /// Items scored 5,4,3,2,1 by user 0 and the reverse by user 1 (D = 1).
    /// user 0: train {0}, test {2, 4}; user 1: train {4}, valid {3}, test {1}.
    static func setup() -> (Evaluator, InferenceEmbeddings) {
        let split = InteractionSplit(userCount: 2, itemCount: 5, train: ([0, 1], [0, 4]), valid: ([1], [3]),
                                     test: ([0, 0, 1], [2, 4, 1]))
        let e = InferenceEmbeddings(users: Matrix(rows: 2, cols: 1, data: [1, -1]),
                                    items: Matrix(rows: 5, cols: 1, data: [5, 4, 3, 2, 1]), channels: [("id", 1)])
        return (Evaluator(split: split, ks: [4, 2], threads: 2), e)
    }

    @Test func testMetricsMatchHandComputedValues() throws {
        let (ev, e) = Self.setup()
        let m = ev.evaluate(e, phase: .test)
        let l3 = 1 / log2(3.0), l5 = 1 / log2(5.0)
        #expect(m.ks == [2, 4] && m.users == 2)
        // user 0 ranks 1,2,3,4 (positives at ranks 2 and 4); user 1 ranks 2,1,0 (positive at rank 2).
        #expect(abs(m.value("recall", at: 2)! - (0.5 + 1) / 2) < 1e-12)
        #expect(abs(m.value("mrr", at: 2)! - 0.5) < 1e-12)
        #expect(abs(m.value("ndcg", at: 2)! - (l3 / (1 + l3) + l3) / 2) < 1e-12)
        #expect(abs(m.value("hit", at: 2)! - 1) < 1e-12)
        #expect(abs(m.value("precision", at: 2)! - 0.5) < 1e-12)
        #expect(abs(m.value("recall", at: 4)! - 1) < 1e-12)
        #expect(abs(m.value("ndcg", at: 4)! - ((l3 + l5) / (1 + l3) + l3) / 2) < 1e-12)
        #expect(abs(m.value("precision", at: 4)! - (0.5 + 0.25) / 2) < 1e-12)
    }

    @Test func validationExcludesOnlyTrainingItemsAndSkipsUsersWithoutPositives() {
        let (ev, e) = Self.setup()
        let m = ev.evaluate(e, phase: .valid)
        #expect(m.users == 1)
        #expect(m.value("ndcg", at: 2) == 1 && m.value("mrr", at: 4) == 1 && m.value("recall", at: 2) == 1)
    }

    @Test func recommendExcludesSeenItems() {
        let (ev, e) = Self.setup()
        #expect(ev.recommend(e, user: 1, k: 2).map(\.item) == [2, 1])
        #expect(ev.recommend(e, user: 0, k: 10).map(\.item) == [1, 2, 3, 4])
    }

    @Test func topKKeepsBestScoresAndBreaksTiesByLowerIndex() {
        var top = TopK(k: 3)
        let row: [Float] = [0.5, 2, -.infinity, 2, 1, 0.1, 3]
        row.withUnsafeBufferPointer { top.scan($0) }
        #expect(top.indices == [6, 1, 3])
        #expect(top.scores == [3, 2, 2])
    }

    @Test func flatNamesEveryMetricAtEveryK() {
        let (ev, e) = Self.setup()
        let flat = ev.evaluate(e, phase: .test).flat
        #expect(flat.count == 10)
        #expect(flat["ndcg@2"] != nil && flat["hit@4"] == 1)
    }
}
