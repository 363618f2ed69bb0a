import Foundation

/// Reads a RecBole atomic-file dataset directory: `NAME.inter` (required: `user_id`, `item_id`),
/// `NAME.kg` (`head_id`, `relation_id`, `tail_id`), `NAME.link` (`item_id`, `entity_id`) and
/// `NAME.item` (optional, for titles). Every interaction is a positive (ratings are ignored).
///
/// With `linkedOnly` (RecBole's behaviour for knowledge-aware models) only interactions whose item
/// has a `.link` row are kept. Items are those of the kept interactions plus every linked item;
/// on ml-100k that leaves 943 users, 1,598 items, 97,554 interactions,
/// 34,628 entities, 24 relations and 91,631 triples (RecBole reports 944 users and 34,629 entities
/// because it counts its `[PAD]` id).
public enum RecBoleLoader {
    public static func load(directory: String, name: String? = nil, linkedOnly: Bool = true) throws -> RawData {
        let name = try name ?? datasetName(in: directory)
        func path(_ ext: String) -> String { (directory as NSString).appendingPathComponent("\(name).\(ext)") }
        let fm = FileManager.default
        let interPath = path("inter"), kgPath = path("kg"), linkPath = path("link"), itemPath = path("item")

        let inter = try AtomicFile.read(path: interPath, columns: ["user_id", "item_id"])
        var link = [String: String]()
        var linkedItems = [String]()
        if fm.fileExists(atPath: linkPath) {
            let cols = try AtomicFile.read(path: linkPath, columns: ["item_id", "entity_id"])
            for k in 0..<cols[0].count where link[cols[0][k]] == nil {
                link[cols[0][k]] = cols[1][k]
                linkedItems.append(cols[0][k])
            }
        }
        let filter = linkedOnly && fm.fileExists(atPath: kgPath) && fm.fileExists(atPath: linkPath)

        var raw = RawData()
        for k in 0..<inter[0].count {
            let itemToken = inter[1][k]
            if filter && link[itemToken] == nil {
                raw.droppedItems.insert(itemToken)
                continue
            }
            raw.interactionUsers.append(raw.users.insert(inter[0][k]))
            raw.interactionItems.append(raw.items.insert(itemToken))
            raw.interactionRows.append(k)
        }
        // Linked items without interactions are still items (candidates at ranking time).
        for t in linkedItems { raw.items.insert(t) }
        for i in 0..<raw.items.count {
            let token = link[raw.items[i]] ?? raw.items[i]
            let e = raw.entities.insert(token)
            guard e == Int32(i) else {
                throw DataError(.duplicate, file: linkPath, "entity '\(token)' is linked to two items ('\(raw.items[Int(e)])' and '\(raw.items[i])')")
            }
        }
        if fm.fileExists(atPath: kgPath) {
            let kg = try AtomicFile.read(path: kgPath, columns: ["head_id", "relation_id", "tail_id"])
            for k in 0..<kg[0].count {
                let h = raw.entities.insert(kg[0][k]), r = raw.relations.insert(kg[1][k])
                let t = raw.entities.insert(kg[2][k])
                raw.knowledge.append(h, r, t)
            }
            raw.knowledge.relationNames = raw.relations.tokens
        }
        if fm.fileExists(atPath: itemPath) {
            let cols = try AtomicFile.read(path: itemPath, columns: ["item_id", "movie_title", "title"],
                                           optional: ["movie_title", "title"])
            let titles = cols[1].isEmpty ? cols[2] : cols[1]
            raw.itemTitles = [String](repeating: "", count: raw.items.count)
            for k in 0..<cols[0].count {
                if let i = raw.items.index(of: cols[0][k]) {
                    if k < titles.count { raw.itemTitles[Int(i)] = titles[k] }
                } else {
                    raw.droppedItems.insert(cols[0][k])
                }
            }
        }
        return raw
    }

    /// The `NAME` of the single `NAME.inter` file in `directory`.
    static func datasetName(in directory: String) throws -> String {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw DataError(.unreadable, file: directory, "cannot list directory")
        }
        // `NAME.train.inter` etc. are split files (`SplitFiles`), not datasets.
        let phaseSuffixes = SplitFiles.phases.map { ".\($0).inter" }
        let inters = files.filter { f in f.hasSuffix(".inter") && !phaseSuffixes.contains { f.hasSuffix($0) } }.sorted()
        guard inters.count == 1 else {
            throw DataError(.malformed, file: directory, inters.isEmpty ? "no .inter file" : "several .inter files (\(inters.joined(separator: ", "))): pass the dataset name")
        }
        return String(inters[0].dropLast(".inter".count))
    }
}
