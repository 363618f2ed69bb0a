import Foundation

/// Reads the KGAT format: `train.txt` and `test.txt` (lines `user item item ...`, whitespace
/// separated, integer ids), `kg_final.txt` (lines `h r t`, integer ids; item i is entity i).
/// KGAT has no validation set: one in nine of each user's training pairs (seeded) becomes validation.
public enum KGATLoader {
    public static func load(directory: String, seed: UInt64 = 2020) throws -> RawData {
        func path(_ f: String) -> String { (directory as NSString).appendingPathComponent(f) }
        let train = try readUserItems(path: path("train.txt"))
        let test = try readUserItems(path: path("test.txt"))
        var heads = [Int32](), rels = [Int32](), tails = [Int32]()
        let kgPath = path("kg_final.txt")
        if FileManager.default.fileExists(atPath: kgPath) {
            let file = try TextFile(path: kgPath)
            try file.forEachLine { number, line in
                let f = TextFile.fields(line, separator: 0x20, collapse: true).flatMap {
                    TextFile.fields($0, separator: 0x09, collapse: true)
                }
                if f.isEmpty { return }
                guard f.count == 3 else {
                    throw DataError(.malformed, file: kgPath, line: number, "ragged line: expected 3 ids 'h r t', found \(f.count)")
                }
                guard let h = TextFile.int(f[0]), let r = TextFile.int(f[1]), let t = TextFile.int(f[2]),
                      h < Int32.max, r < Int32.max, t < Int32.max else {
                    throw DataError(.malformed, file: kgPath, line: number, "expected non-negative integer ids, found '\(TextFile.string(line))'")
                }
                heads.append(Int32(h)); rels.append(Int32(r)); tails.append(Int32(t))
            }
        }
        let userCount = Int(max(train.users.max() ?? -1, test.users.max() ?? -1)) + 1
        let itemCount = Int(max(train.items.max() ?? -1, test.items.max() ?? -1)) + 1
        let entityCount = max(itemCount, Int(max(heads.max() ?? -1, tails.max() ?? -1)) + 1)
        let relationCount = Int(rels.max() ?? -1) + 1

        var raw = RawData()
        raw.users = IDMap(tokens: (0..<userCount).map(String.init))
        raw.items = IDMap(tokens: (0..<itemCount).map(String.init))
        raw.entities = IDMap(tokens: (0..<entityCount).map(String.init))
        raw.relations = IDMap(tokens: (0..<relationCount).map(String.init))
        raw.knowledge = KGTriples(heads: heads, relations: rels, tails: tails, relationNames: raw.relations.tokens)
        // Carve validation out of train per user (RecBole rounding of 8:1).
        var rng = SplitMix64(seed: seed)
        var byUser = [[Int32]](repeating: [], count: userCount)
        for k in 0..<train.users.count { byUser[Int(train.users[k])].append(train.items[k]) }
        var tr: ([Int32], [Int32]) = ([], []), va: ([Int32], [Int32]) = ([], [])
        for u in 0..<userCount {
            var list = byUser[u]
            rng.shuffle(&list)
            let c = InteractionSplit.counts(total: list.count, ratios: [8, 1])
            for (k, i) in list.enumerated() {
                if k < c[0] { tr.0.append(Int32(u)); tr.1.append(i) } else { va.0.append(Int32(u)); va.1.append(i) }
            }
        }
        raw.interactionUsers = tr.0 + va.0 + test.users
        raw.interactionItems = tr.1 + va.1 + test.items
        raw.presplit = InteractionSplit(userCount: userCount, itemCount: itemCount, train: tr, valid: va,
                                        test: (test.users, test.items))
        return raw
    }

    static func readUserItems(path: String) throws -> (users: [Int32], items: [Int32]) {
        let file = try TextFile(path: path)
        var users = [Int32](), items = [Int32]()
        try file.forEachLine { number, line in
            let f = TextFile.fields(line, separator: 0x20, collapse: true).flatMap {
                TextFile.fields($0, separator: 0x09, collapse: true)
            }
            if f.isEmpty { return }
            for (k, field) in f.enumerated() {
                guard let v = TextFile.int(field), v < Int32.max else {
                    throw DataError(.malformed, file: path, line: number, "field \(k + 1): expected a non-negative integer id, found '\(TextFile.string(field))'")
                }
                if k > 0 { users.append(Int32(TextFile.int(f[0])!)); items.append(Int32(v)) }
            }
        }
        return (users, items)
    }
}
