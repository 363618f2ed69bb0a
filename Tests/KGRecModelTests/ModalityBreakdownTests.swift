import Testing
import KGRecTensor
@testable import KGRecModel

@Suite struct ModalityBreakdownTests {
    /// D = 2: column 0 visual, column 1 text. User 0 = (1, 0.5); items (2, 0), (0, 4), (1, 1).
    static func setup() -> (ModalityBreakdown?, Evaluator) {
        let split = InteractionSplit(userCount: 1, itemCount: 3, train: ([], []), valid: ([], []), test: ([0], [0]))
        let e = InferenceEmbeddings(users: Matrix(rows: 1, cols: 2, data: [1, 0.5]),
                                    items: Matrix(rows: 3, cols: 2, data: [2, 0, 0, 4, 1, 1]),
                                    channels: [("visual", 1), ("text", 1)])
        let ev = Evaluator(split: split)
        return (ModalityBreakdown(embeddings: e, evaluator: ev), ev)
    }

    @Test func splitsEachScoreIntoVisualAndTextParts() throws {
        let b = try #require(Self.setup().0)
        let u = b.user(0, k: 2)
        // scores: item0 2 (2 + 0), item1 2 (0 + 2), item2 1.5 (1 + 0.5): top-2 = items 0 and 1.
        #expect(u.items.map(\.item) == [0, 1])
        #expect(u.items.map(\.visual) == [2, 0] && u.items.map(\.text) == [0, 2])
        #expect(u.visualShare == 0.5)
        #expect(abs(b.user(0, k: 3).visualShare - 3.0 / 5.5) < 1e-12)
    }

    @Test func needsBothChannels() {
        let (_, ev) = Self.setup()
        let idOnly = InferenceEmbeddings(users: Matrix(rows: 1, cols: 2), items: Matrix(rows: 3, cols: 2), channels: [("id", 2)])
        #expect(ModalityBreakdown(embeddings: idOnly, evaluator: ev) == nil)
    }

    @Test func correlationOfPerfectlyRelatedSeries() {
        #expect(abs(ModalityBreakdown.correlation([1, 2, 3], [2, 4, 6]) - 1) < 1e-12)
        #expect(abs(ModalityBreakdown.correlation([1, 2, 3], [3, 2, 1]) + 1) < 1e-12)
        #expect(ModalityBreakdown.correlation([1, 1, 1], [1, 2, 3]) == 0)
    }
}
