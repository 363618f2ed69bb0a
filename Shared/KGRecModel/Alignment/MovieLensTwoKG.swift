import Foundation

/// The ml-100k alignment task: two descriptions of the same movies.
/// - KG A: the Freebase KG of RecBole's `ml-100k.kg` / `.link` exactly as `RecBoleLoader` reads it
///   (KG-linked items first, in the recommender's item order, then the other Freebase entities).
///   Content, when `aText` is given: its rows (keyed by `item_id`, like B's) on A's linked movies —
///   the benchmark gives A the movie's title alone, a different text of the same film than B's.
/// - KG B: built from `ml-100k.item`: every movie (its `item_id` token) → `genre:G` (has_genre), →
///   `year:Y` (released_in), → `decade:D` (released_in_decade), `year:Y` → `decade:D` (in_decade);
///   with `coWatched` K > 0 also movie → its K most co-watched movies (co_watched, cosine of the user
///   sets over all of `ml-100k.inter`). Every triple once (`in_decade` is reached from every movie
///   of a year). Content: the text features `bText` (one row per `item_id`) on B's movies.
/// - Pairs: each linked movie (Freebase entity, item_id), split at random (`splitSeed`, `splitRatios`).
public enum MovieLensTwoKG {
    /// A text feature matrix `.npy` and its ids file (one `item_id` per row).
    public struct TextFeatures: Sendable {
        public var npy: String, ids: String
        public init(npy: String, ids: String) { self.npy = npy; self.ids = ids }
    }

    public static func make(directory: String, bText: TextFeatures, aText: TextFeatures? = nil, coWatched: Int = 0,
                            splitSeed: UInt64 = 2020, splitRatios: [Double] = [0.3, 0.1, 0.6]) throws -> TwoKG {
        let raw = try RecBoleLoader.load(directory: directory, name: "ml-100k", linkedOnly: true)
        var a = KGSide()
        a.entities = raw.entities
        a.itemCount = raw.items.count
        a.triples = raw.knowledge
        if let t = aText {
            a.features.text = try FeatureLoader.load(npy: t.npy, ids: t.ids, entityCount: a.entities.count) { token in
                raw.items.index(of: token).map { .entity($0) } ?? .dropped  // movies without a Freebase entity
            }
        }

        func path(_ ext: String) -> String { (directory as NSString).appendingPathComponent("ml-100k.\(ext)") }
        let items = try AtomicFile.read(path: path("item"), columns: ["item_id", "release_year", "class"], optional: ["release_year", "class"])
        var b = KGSide()
        for t in items[0] { b.entities.insert(t) }
        b.itemCount = b.entities.count
        var relations = IDMap()
        var written = Set<[Int32]>()
        func link(_ h: Int32, _ r: String, _ t: String) {
            let triple = [h, relations.insert(r), b.entities.insert(t)]
            if written.insert(triple).inserted { b.triples.append(triple[0], triple[1], triple[2]) }
        }
        for (k, token) in items[0].enumerated() {
            let movie = b.entities.index(of: token)!
            if k < items[2].count {
                for g in items[2][k].split(separator: " ") { link(movie, "has_genre", "genre:\(g)") }
            }
            if k < items[1].count, let year = Int(items[1][k]) {
                link(movie, "released_in", "year:\(year)")
                link(movie, "released_in_decade", "decade:\(year / 10 * 10)s")
                link(b.entities.index(of: "year:\(year)")!, "in_decade", "decade:\(year / 10 * 10)s")
            }
        }
        if coWatched > 0 {
            let inter = try AtomicFile.read(path: path("inter"), columns: ["user_id", "item_id"])
            var byUser = [String: [Int32]]()
            for k in 0..<inter[0].count {
                if let m = b.entities.index(of: inter[1][k]), m < Int32(b.itemCount) { byUser[inter[0][k], default: []].append(m) }
            }
            var degree = [Double](repeating: 0, count: b.itemCount)
            var common = [[Int32: Double]](repeating: [:], count: b.itemCount)
            for (_, ms) in byUser.sorted(by: { $0.key < $1.key }) {
                let ms = Array(Set(ms)).sorted()
                for m in ms { degree[Int(m)] += 1 }
                for x in ms { for y in ms where y != x { common[Int(x)][y, default: 0] += 1 } }
            }
            for m in 0..<b.itemCount {
                let ranked = common[m].map { ($0.key, $0.value / (degree[m] * degree[Int($0.key)]).squareRoot()) }
                    .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                for (n, _) in ranked.prefix(coWatched) { link(Int32(m), "co_watched", b.entities[Int(n)]) }
            }
        }
        b.triples.relationNames = relations.tokens
        let entities = b.entities
        b.features.text = try FeatureLoader.load(npy: bText.npy, ids: bText.ids, entityCount: entities.count) { token in
            entities.index(of: token).map { .entity($0) } ?? .unknown
        }

        var pairs = AlignmentPairs()
        for i in 0..<raw.items.count {
            guard let m = b.entities.index(of: raw.items[i]) else {
                throw DataError(.unknownID, file: path("item"), "linked item '\(raw.items[i])' is not in ml-100k.item")
            }
            pairs.append(Int32(i), m, .train)
        }
        pairs.phase = TwoKGFiles.randomSplit(pairs.count, seed: splitSeed, ratios: splitRatios)
        return TwoKG(name: "ml-100k-align", a: a, b: b, pairs: pairs)
    }
}
