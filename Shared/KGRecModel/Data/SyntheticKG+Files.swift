import Foundation

extension SyntheticKG {
    /// Writes RecBole atomic files (`NAME.inter`, `.item`, `.kg`, `.link`, `.user` with the true
    /// modality weights), features (`NAME.visual.npy/.ids`, `NAME.text.npy/.ids`, ids are item
    /// tokens) and `NAME.synth.json` (the config) into `directory`. Returns the paths written.
    @discardableResult
    public func write(to directory: String) throws -> [String] {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw DataError(.unwritable, file: directory, "cannot create directory: \(error)", cause: error)
        }
        let name = config.name
        var written = [String]()
        func path(_ ext: String) -> String { (directory as NSString).appendingPathComponent("\(name).\(ext)") }
        func put(_ ext: String, _ text: String) throws {
            let p = path(ext)
            guard fm.createFile(atPath: p, contents: Data(text.utf8)) else { throw DataError(.unwritable, file: p, "cannot write file") }
            written.append(p)
        }
        var s = "user_id:token\titem_id:token\n"
        s.reserveCapacity(raw.interactionUsers.count * 14)
        for k in 0..<raw.interactionUsers.count {
            s += raw.users[Int(raw.interactionUsers[k])] + "\t" + raw.items[Int(raw.interactionItems[k])] + "\n"
        }
        try put("inter", s)
        s = "item_id:token\ttitle:token_seq\n"
        for i in 0..<raw.items.count { s += raw.items[i] + "\t" + raw.itemTitles[i] + "\n" }
        try put("item", s)
        s = "item_id:token\tentity_id:token\n"
        for i in 0..<raw.items.count { s += raw.items[i] + "\t" + raw.entities[i] + "\n" }
        try put("link", s)
        s = "head_id:token\trelation_id:token\ttail_id:token\n"
        s.reserveCapacity(raw.knowledge.count * 24)
        for k in 0..<raw.knowledge.count {
            s += raw.entities[Int(raw.knowledge.heads[k])] + "\t" + raw.relations[Int(raw.knowledge.relations[k])]
                + "\t" + raw.entities[Int(raw.knowledge.tails[k])] + "\n"
        }
        try put("kg", s)
        s = "user_id:token\tpref_visual:float\tpref_text:float\tpref_kg:float\n"
        for u in 0..<raw.users.count {
            s += raw.users[u] + "\t" + (0..<3).map { String(userWeights[u * 3 + $0]) }.joined(separator: "\t") + "\n"
        }
        try put("user", s)
        for m in Modality.allCases {
            guard let f = features[m] else { continue }
            var ids = ""
            var order = [(Int32, Int)]()
            for e in 0..<f.rowOfEntity.count where f.rowOfEntity[e] >= 0 { order.append((f.rowOfEntity[e], e)) }
            order.sort { $0.0 < $1.0 }
            for (_, e) in order { ids += raw.items[e] + "\n" }
            try NpyFile.write(path: path("\(m.rawValue).npy"), rows: f.rowCount, cols: f.width, values: f.values)
            written.append(path("\(m.rawValue).npy"))
            try put("\(m.rawValue).ids", ids)
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try put("synth.json", String(decoding: try enc.encode(config), as: UTF8.self) + "\n")
        return written
    }
}
