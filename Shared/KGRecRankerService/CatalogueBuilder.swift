import GRPCCore
import KGRecServing
import KGRecWire

/// Builds an `ItemCatalogue` from an ExportEmbeddings stream one batch at a time: each batch's
/// item vectors are appended to the fp32 matrix and its users' seen lists kept as ids, so the
/// warm-up holds the matrix (plus the quantised copy at the end), not the whole decoded stream.
struct CatalogueBuilder {
    private var version: UInt64?
    private var layout: EmbeddingLayout?
    private var userLayout: EmbeddingLayout?
    private var matrix: [Float] = []
    private var ids: [String] = []
    private var seenIds: [String: [String]] = [:]

    /// Takes one batch. Throws INTERNAL when it carries another version than the first (the table
    /// moved during the export: try again) or a vector has a width other than the rest. The layout
    /// is the first item batch's (the graph sends every modality it has for every item).
    mutating func add(_ b: Kgrec_V1_EmbeddingBatch) throws {
        if version == nil { version = b.version }
        guard b.version == version else {
            throw RPCError(.internal, "graph table version changed during the export")
        }
        for (u, s) in zip(b.users, b.seen) { seenIds[u.id] = s.itemIds }
        if userLayout == nil, !b.users.isEmpty { userLayout = EmbeddingLayout(inferredFrom: b.users) }
        guard !b.items.isEmpty else { return }
        if layout == nil { layout = EmbeddingLayout(inferredFrom: b.items) }
        for e in b.items { try layout!.append(e, to: &matrix) }
        ids.append(contentsOf: b.items.lazy.map(\.id))
    }

    /// The catalogue; `previous` (the one being replaced) lends its IVF lists.
    func finish(precision: ScanPrecision = .fp32, ann: RankerOptions.ANN? = nil,
                previous: ItemCatalogue? = nil) -> ItemCatalogue
    {
        var layout = layout ?? EmbeddingLayout(visual: 0, text: 0)
        if layout.width == 0 { layout = userLayout ?? layout }
        let rowOf = IDRowIndex(ids)
        let seen = seenIds.mapValues { $0.compactMap { rowOf[$0] } }
        // A zero-width item layout with user widths (no item vectors at all) has no rows to fill.
        let m = matrix.count == ids.count * layout.width ? matrix : [Float](repeating: 0, count: ids.count * layout.width)
        return ItemCatalogue(version: version ?? 0, layout: layout, ids: ids, matrix: m, seen: seen,
                             precision: precision, ann: ann, previous: previous)
    }
}
