/// The sanity check of an alignment encoder: one KG aligned with a copy of itself. B is A with its
/// entities shuffled (items among items, attributes among attributes, seeded) and renamed
/// (`copy:TOKEN`), and the same triples, relations and content; the pairs are the items, split at random. The two copies share no node
/// and nothing in the index order gives the alignment away, but every item's neighbourhood is
/// identical on both sides, so a structure encoder that learns from the training pairs must reach
/// Hits@1 ≈ 1 wherever the KG tells its items apart (`identicalCopyAlignsWithStructureOnly`).
public enum SelfAlignment {
    public static func make(_ side: KGSide, name: String, seed: UInt64 = 2020,
                            splitRatios: [Double] = [0.3, 0.1, 0.6]) -> TwoKG {
        var rng = SplitMix64(seed: seed)
        var items = Array(0..<Int32(side.itemCount)), attributes = Array(Int32(side.itemCount)..<Int32(side.entities.count))
        rng.shuffle(&items)
        rng.shuffle(&attributes)
        let copyOf = items + attributes  // B's entity e is A's entity copyOf[e]
        var moved = [Int32](repeating: 0, count: copyOf.count)  // A's entity e is B's entity moved[e]
        for (e, original) in copyOf.enumerated() { moved[Int(original)] = Int32(e) }

        var copy = KGSide()
        for original in copyOf { copy.entities.insert("copy:" + side.entities[Int(original)]) }
        copy.itemCount = side.itemCount
        let t = side.triples
        copy.triples = KGTriples(heads: t.heads.map { moved[Int($0)] }, relations: t.relations,
                                 tails: t.tails.map { moved[Int($0)] }, relationNames: t.relationNames)
        for m in Modality.allCases {
            guard let f = side.features[m] else { continue }
            copy.features[m] = ModalityFeatures(width: f.width, values: f.values,
                                                rowOfEntity: copyOf.map { f.rowOfEntity[Int($0)] })
        }
        var pairs = AlignmentPairs()
        for i in 0..<Int32(side.itemCount) { pairs.append(i, moved[Int(i)], .train) }
        pairs.phase = TwoKGFiles.randomSplit(pairs.count, seed: seed, ratios: splitRatios)
        return TwoKG(name: name, a: side, b: copy, pairs: pairs)
    }
}
