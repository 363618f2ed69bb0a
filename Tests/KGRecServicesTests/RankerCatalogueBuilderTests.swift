import GRPCCore
import KGRecServing
import KGRecTensor
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

    /// At a table swap the centroids are kept and known items keep their IVF list — unless their
    /// vector changed: then they are assigned again, to the list their new vector belongs to.
    @Test(arguments: [ScanPrecision.fp32, .int8])
    func aKnownItemWhoseVectorChangedMovesToItsNewList(precision: ScanPrecision) throws {
        let (n, w) = (400, 8)
        var g = Xoshiro256(seed: 3)
        let centres = (0..<(4 * w)).map { _ in g.gaussian() * 4 }
        var rows = (0..<(n * w)).map { i in centres[(i / w) % 4 * w + i % w] + g.gaussian() * 0.3 }
        let ids = (0..<n).map { "i\($0)" }
        var ann = RankerOptions.ANN()
        ann.minItems = 50
        ann.lists = 4
        let layout = EmbeddingLayout(visual: 4, text: 4)
        let before = ItemCatalogue(version: 1, layout: layout, ids: ids, matrix: rows, seen: [:], precision: precision, ann: ann)
        let index = try #require(before.index)
        func list(_ c: ItemCatalogue, _ id: String) -> Int { c.index!.list(ofRow: Int(c.rows[id]!)) }
        // Item 5 takes the vector of an item in another list.
        let source = try #require((0..<n).first { list(before, ids[$0]) != list(before, "i5") })
        for j in 0..<w { rows[5 * w + j] = rows[source * w + j] }
        let after = ItemCatalogue(version: 2, layout: layout, ids: ids, matrix: rows, seen: [:], precision: precision,
                                  ann: ann, previous: before)
        #expect(!after.indexTrained && after.index!.centroids == index.centroids)
        #expect(list(after, "i5") == list(before, ids[source]))
        #expect(ids.filter { $0 != "i5" }.allSatisfy { list(after, $0) == list(before, $0) })
    }
}
