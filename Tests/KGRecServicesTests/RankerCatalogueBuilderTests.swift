import GRPCCore
@testable import KGRecRankerService
import KGRecWire
import Testing

/// The warm-up's batch-at-a-time catalogue build.
@Suite struct RankerCatalogueBuilderTests {
    static func item(_ id: String, _ v: [Float], _ t: [Float]) -> Kgrec_V1_Embedding {
        Kgrec_V1_Embedding(id: id, vectors: Kgrec_V1_ModalityVectors(visual: Kgrec_V1_Vector(values: v),
                                                                      text: Kgrec_V1_Vector(values: t)))
    }

    @Test func batchesAppendRowsAndSeenListsMapToRowsAcrossBatches() throws {
        var b = CatalogueBuilder()
        try b.add(Kgrec_V1_EmbeddingBatch(version: 4, users: [Self.item("u1", [1, 2], [3])],
                                          seen: [Kgrec_V1_SeenItems(itemIds: ["b", "gone", "a"])]))
        try b.add(Kgrec_V1_EmbeddingBatch(version: 4, items: [Self.item("a", [1, 0], [0])]))
        try b.add(Kgrec_V1_EmbeddingBatch(version: 4, items: [Self.item("b", [0, 1], [2]), Self.item("c", [5, 5], [5])]))
        let c = b.finish()
        #expect(c.version == 4 && c.ids == ["a", "b", "c"] && c.layout == EmbeddingLayout(visual: 2, text: 1))
        #expect(c.seen["u1"] == [0, 1])  // "a" and "b" as ascending rows; the unknown id dropped
        #expect(c.matrix.values(row: 1) == [0, 1, 2])
        #expect(c.parts([1, 1, 1], row: 2) == (10, 5))
    }

    @Test func aBatchOfAnotherVersionOrWidthIsAnInternalError() throws {
        var b = CatalogueBuilder()
        try b.add(Kgrec_V1_EmbeddingBatch(version: 1, items: [Self.item("a", [1, 0], [0])]))
        #expect(throws: RPCError(.internal, "graph table version changed during the export")) {
            try b.add(Kgrec_V1_EmbeddingBatch(version: 2, items: [Self.item("b", [1, 0], [0])]))
        }
        #expect(throws: RPCError.self) {
            try b.add(Kgrec_V1_EmbeddingBatch(version: 1, items: [Self.item("b", [1, 0, 0], [0])]))
        }
    }
}
