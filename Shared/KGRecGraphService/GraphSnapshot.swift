import KGRecModel
import KGRecTensor
import KGRecWire

/// One complete, immutable embedding table: what reads see. Updates build a new snapshot and
/// swap it in whole, so a read during a recompute sees the previous table.
///
/// Shapes: `embeddings.users` `[U', C·W]`, `embeddings.items` `[I', C·W]` (channel c in columns
/// `c·W..<(c+1)·W`, each `e(0)‖e(1)‖e(2)‖e(3)`); `attention[c]` `[E]` in `graph.graph` edge order.
public final class GraphSnapshot: Sendable {
    public let version: UInt64
    public let users: IDMap
    public let items: IDMap
    public let graph: ServingGraph
    public let embeddings: InferenceEmbeddings
    public let attention: [[Float]]
    /// Wire field of each channel (visual / text).
    let slots: [Modality]
    /// Entity tokens of the trained entity space (for attribute nodes).
    let entities: IDMap

    init(version: UInt64, additions: GraphAdditions, graph: ServingGraph, propagation: Propagation,
         model: ServingModel) {
        self.version = version
        users = additions.users
        items = additions.items
        self.graph = graph
        embeddings = propagation.embeddings
        attention = propagation.attention
        slots = (0..<model.channelNames.count).map { model.wireModality(ofChannel: $0) }
        entities = model.dataset.entities
    }

    var channelWidth: Int { embeddings.users.cols / max(1, slots.count) }

    /// The wire embedding of row `r` of `table` (users or items), one vector per channel.
    func embedding(id: String, row r: Int, of table: Matrix) -> Kgrec_V1_Embedding {
        let w = channelWidth
        var vectors = Kgrec_V1_ModalityVectors()
        for (c, slot) in slots.enumerated() {
            let v = Kgrec_V1_Vector(values: Array(table.data[(r * table.cols + c * w)..<(r * table.cols + (c + 1) * w)]))
            if slot == .visual { vectors.visual = v } else { vectors.text = v }
        }
        return Kgrec_V1_Embedding(id: id, vectors: vectors)
    }

    func userEmbedding(_ u: Int) -> Kgrec_V1_Embedding { embedding(id: users[u], row: u, of: embeddings.users) }
    func itemEmbedding(_ i: Int) -> Kgrec_V1_Embedding { embedding(id: items[i], row: i, of: embeddings.items) }

    /// Item tokens user `u` has seen (training pairs plus added interactions).
    func seen(_ u: Int) -> Kgrec_V1_SeenItems {
        Kgrec_V1_SeenItems(itemIds: graph.seen.items(of: u).map { items[Int($0)] })
    }

    /// Token and kind of node `n` of the (extended) graph.
    func describe(node n: Int) -> (id: String, kind: Kgrec_V1_EntityKind) {
        if n < graph.itemCount { return (items[n], .item) }
        let userBase = graph.itemCount + graph.baseAttributes
        if n >= userBase { return (users[n - userBase], .user) }
        return (entities[Int(graph.trainedNode(Int32(n)))], .attribute)
    }

    /// Node of an id of the given kind (UNSPECIFIED: item, then user, then entity token).
    func node(of id: String, kind: Kgrec_V1_EntityKind) -> Int? {
        let userBase = graph.itemCount + graph.baseAttributes
        func item() -> Int? { items.index(of: id).map { Int($0) } }
        func user() -> Int? { users.index(of: id).map { userBase + Int($0) } }
        func entity() -> Int? {
            guard let e = entities.index(of: id) else { return nil }
            // Item entities are items; attribute entity I + a sits after the new items.
            return Int(e) < graph.baseItems ? Int(e) : Int(e) + graph.newItems
        }
        switch kind {
        case .user: return user()
        case .item: return item() ?? entity().flatMap { $0 < graph.itemCount ? $0 : nil }
        case .attribute: return entity()
        default: return item() ?? user() ?? entity()
        }
    }
}
