import KGRecModel
import KGRecWire

/// A cold item for demos and tests: raw features and KG links copied from an existing item
/// (as if the same product were listed again under a new id), plus interactions from users.
enum ColdItem {
    /// A `NewItem` named `id` carrying `template`'s raw vectors (absent modalities stay absent)
    /// and its KG links (relation name, attribute entity token).
    static func newItem(_ id: String, like template: Int, in ds: Dataset) -> Kgrec_V1_NewItem {
        var raw = Kgrec_V1_ModalityVectors()
        if let v = ds.features.visual?.vector(ofNode: template) { raw.visual = Kgrec_V1_Vector(values: Array(v)) }
        if let t = ds.features.text?.vector(ofNode: template) { raw.text = Kgrec_V1_Vector(values: Array(t)) }
        var links: [Kgrec_V1_KGLink] = []
        let kg = ds.knowledge
        for k in 0..<kg.count where Int(kg.heads[k]) == template {
            links.append(Kgrec_V1_KGLink(relation: kg.relationNames[Int(kg.relations[k])], entityId: ds.entities[Int(kg.tails[k])]))
        }
        return Kgrec_V1_NewItem(itemId: id, raw: raw, links: links)
    }

    /// Users who interacted with `item` in training (up to `limit`).
    static func fans(of item: Int, in ds: Dataset, limit: Int) -> [String] {
        var out: [String] = []
        for (u, i) in zip(ds.split.trainUsers, ds.split.trainItems) where Int(i) == item {
            out.append(ds.users[Int(u)])
            if out.count == limit { break }
        }
        return out
    }
}
