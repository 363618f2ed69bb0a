import GRPCCore
import KGRecWire

/// The whole item table of one graph version as one contiguous row-major matrix `[count, width]`
/// (for the SIMD top-k scan), with the id ↔ row maps and each user's training items (as rows, for
/// excluding seen items). Immutable; a new version replaces it whole.
final class ItemCatalogue: Sendable {
    let version: UInt64
    let layout: EmbeddingLayout
    /// Row → external item id.
    let ids: [String]
    let rows: [String: Int32]
    /// `[count, layout.width]` row-major.
    let matrix: [Float]
    /// User id → rows of the items the user interacted with in training.
    let seen: [String: [Int32]]

    var count: Int { ids.count }

    init(version: UInt64, layout: EmbeddingLayout, ids: [String], matrix: [Float], seen: [String: [Int32]],
         rows: [String: Int32]? = nil)
    {
        precondition(matrix.count == ids.count * layout.width)
        self.version = version
        self.layout = layout
        self.ids = ids
        self.rows = rows ?? Self.index(ids)
        self.matrix = matrix
        self.seen = seen
    }

    /// Builds a catalogue from a whole ExportEmbeddings stream. Throws INTERNAL when the batches
    /// disagree on the version (the table moved during the export: try again) or a vector has a
    /// width other than the rest.
    static func build(from batches: [Kgrec_V1_EmbeddingBatch]) throws -> ItemCatalogue {
        let version = batches.first?.version ?? 0
        guard batches.allSatisfy({ $0.version == version }) else {
            throw RPCError(.internal, "graph table version changed during the export")
        }
        let items = batches.flatMap(\.items)
        var layout = EmbeddingLayout(inferredFrom: items)
        if layout.width == 0 { layout = EmbeddingLayout(inferredFrom: batches.flatMap(\.users)) }
        var matrix: [Float] = []
        matrix.reserveCapacity(items.count * layout.width)
        for e in items { try layout.append(e, to: &matrix) }
        let ids = items.map(\.id)
        let rowOf = index(ids)
        var seen: [String: [Int32]] = [:]
        for b in batches {
            for (u, s) in zip(b.users, b.seen) {
                seen[u.id] = s.itemIds.compactMap { rowOf[$0] }
            }
        }
        return ItemCatalogue(version: version, layout: layout, ids: ids, matrix: matrix, seen: seen, rows: rowOf)
    }

    static func index(_ ids: [String]) -> [String: Int32] {
        var rows: [String: Int32] = [:]
        rows.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() { rows[id] = Int32(i) }
        return rows
    }
}
