/// One knowledge graph of an alignment task, in its own token space: its item-kind entities (the
/// kind that is aligned, carries content and is fused — movies), its other entities, its triples
/// and its optional content.
///
/// Entity indices: items `[0, I)` in `items` order, then attributes `[I, I + A)`; `triples` are in
/// that index space with relations `[0, relationNames.count)`. Feature rows are keyed the same way.
public struct KGSide: Sendable {
    public var entities = IDMap()
    public var itemCount = 0
    public var triples = KGTriples()
    public var features = MultimodalFeatures()

    public init() {}

    public var attributeCount: Int { entities.count - itemCount }
}

/// Which side of an alignment pair.
public enum AlignmentSide: String, Sendable, CaseIterable {
    case a, b
}

/// Which entities of the other KG a query is ranked against (and negatives are drawn from).
public enum AlignmentCandidates: String, Codable, Sendable, CaseIterable {
    /// The entities that can be a partner: the other KG's items (the aligned kind — movies), plus
    /// any non-item entity some pair aligns. The default: attributes (genres, years, actors) are
    /// never the answer, and ranking a movie against 33,000 Freebase attributes measures nothing.
    case alignable
    /// Every entity of the other KG, items and attributes.
    case all
}

/// Aligned entity pairs, split into train / valid / test: `a[k]` (entity index in KG A) is the same
/// real-world entity as `b[k]` (entity index in KG B). One-to-one: no entity is in two pairs.
public struct AlignmentPairs: Sendable, Equatable {
    public enum Phase: String, Sendable, CaseIterable, Codable {
        case train, valid, test
    }

    public var a: [Int32] = []
    public var b: [Int32] = []
    public var phase: [Phase] = []

    public init() {}

    public var count: Int { a.count }

    public mutating func append(_ x: Int32, _ y: Int32, _ p: Phase) {
        a.append(x); b.append(y); phase.append(p)
    }

    /// The pairs of one phase: `([a], [b])`.
    public func of(_ p: Phase) -> (a: [Int32], b: [Int32]) {
        var xs = [Int32](), ys = [Int32]()
        for k in 0..<count where phase[k] == p { xs.append(a[k]); ys.append(b[k]) }
        return (xs, ys)
    }
}

/// An alignment task: two KGs and their pairs, and the union graph the model runs on.
///
/// Union node space (a `CollaborativeKG` without users): items of A `[0, I_A)`, items of B
/// `[I_A, I_A + I_B)`, attributes of A, then attributes of B. Relations: `interact`/`interact_inv`
/// (unused), then A's relations (`a:NAME`), then B's (`b:NAME`), each with its inverse — the two
/// KGs share no node and no edge, only the model's weights (projection, fusion, propagation).
public struct TwoKG: Sendable {
    public var name: String
    public var sides: [KGSide]  // [a, b]
    public var pairs: AlignmentPairs
    public let graph: CollaborativeKG
    public let features: MultimodalFeatures
    /// Union node index of each side's entity 0 of items and of attributes.
    public let itemBase: [Int32], attributeBase: [Int32]

    public init(name: String, a: KGSide, b: KGSide, pairs: AlignmentPairs) {
        self.name = name
        sides = [a, b]
        self.pairs = pairs
        let items = a.itemCount + b.itemCount
        itemBase = [0, Int32(a.itemCount)]
        attributeBase = [Int32(items), Int32(items + a.attributeCount)]
        var kg = KGTriples(relationNames: a.triples.relationNames.map { "a:" + $0 } + b.triples.relationNames.map { "b:" + $0 })
        var relationBase: Int32 = 0
        var bases = [(Int32, Int32)]()
        for (s, side) in [a, b].enumerated() {
            let (ib, ab, ic) = (itemBase[s], attributeBase[s], Int32(side.itemCount))
            bases.append((ib, ab))
            func node(_ e: Int32) -> Int32 { e < ic ? ib + e : ab + e - ic }
            for k in 0..<side.triples.count {
                kg.append(node(side.triples.heads[k]), relationBase + side.triples.relations[k], node(side.triples.tails[k]))
            }
            relationBase += Int32(side.triples.relationCount)
        }
        graph = CollaborativeKG(itemCount: items, attributeCount: a.attributeCount + b.attributeCount, userCount: 0,
                                trainUsers: [], trainItems: [], knowledge: kg)
        var union = MultimodalFeatures()
        let entityCount = graph.entityCount
        for m in Modality.allCases {
            let fa = a.features[m], fb = b.features[m]
            guard fa != nil || fb != nil else { continue }
            let width = fa?.width ?? fb!.width
            var rows = [Int32](repeating: -1, count: entityCount)
            var values = [Float]()
            var next: Int32 = 0
            for (s, f) in [fa, fb].enumerated() {
                guard let f, f.width == width else { continue }
                let side = [a, b][s]
                for e in 0..<side.entities.count {
                    guard let v = f.vector(ofNode: e) else { continue }
                    let ic = side.itemCount
                    rows[Int(e < ic ? bases[s].0 + Int32(e) : bases[s].1 + Int32(e - ic))] = next
                    next += 1
                    values += v
                }
            }
            union[m] = ModalityFeatures(width: width, values: values, rowOfEntity: rows)
        }
        features = union
    }

    /// Union node of entity `e` of `side`.
    public func node(_ side: AlignmentSide, _ e: Int32) -> Int32 {
        let s = side == .a ? 0 : 1
        return e < Int32(sides[s].itemCount) ? itemBase[s] + e : attributeBase[s] + e - Int32(sides[s].itemCount)
    }

    /// The union nodes of `side` in `kind` (`alignable`: its items, then the other entities a pair
    /// aligns, ascending; `all`: its items, then its attributes): the candidates of a ranking.
    public func nodes(of side: AlignmentSide, _ kind: AlignmentCandidates) -> [Int32] {
        let s = sides[side == .a ? 0 : 1]
        switch kind {
        case .all: return (0..<Int32(s.entities.count)).map { node(side, $0) }
        case .alignable:
            let paired = Set(side == .a ? pairs.a : pairs.b).filter { $0 >= Int32(s.itemCount) }.sorted()
            return (0..<Int32(s.itemCount)).map { node(side, $0) } + paired.map { node(side, $0) }
        }
    }

    /// Union nodes of the attributes linked (as head or tail, any relation) to exactly one item of
    /// their own KG, ascending.
    public func attributesOfOneItem() -> [Int32] {
        let items = Int32(graph.itemCount)
        var linked = [Int32](repeating: -1, count: graph.entityCount)  // -1 none, the item, or -2 several
        func note(_ attribute: Int32, _ item: Int32) {
            let k = Int(attribute)
            linked[k] = linked[k] == -1 || linked[k] == item ? item : -2
        }
        for e in 0..<graph.tripleCount where graph.heads[e] < items && graph.tails[e] >= items {  // every edge both ways
            note(graph.tails[e], graph.heads[e])
        }
        return (items..<Int32(graph.entityCount)).filter { linked[Int($0)] >= 0 }
    }

    /// The pairs of a phase as union nodes.
    public func pairNodes(_ p: AlignmentPairs.Phase) -> (a: [Int32], b: [Int32]) {
        let (xs, ys) = pairs.of(p)
        return (xs.map { node(.a, $0) }, ys.map { node(.b, $0) })
    }

    /// Sizes that must match between an alignment checkpoint and its data.
    public var counts: [String: Int] {
        ["a_items": sides[0].itemCount, "a_entities": sides[0].entities.count, "a_relations": sides[0].triples.relationCount,
         "b_items": sides[1].itemCount, "b_entities": sides[1].entities.count, "b_relations": sides[1].triples.relationCount]
    }

    /// "ml100k-align: A 1598 items / 34628 entities / 24 relations / 91631 triples, B …, pairs 479/160/959".
    public var summary: String {
        func side(_ s: KGSide) -> String {
            "\(s.itemCount) items / \(s.entities.count) entities / \(s.triples.relationCount) relations / \(s.triples.count) triples"
                + (s.features.text.map { ", text \($0.presentCount)×\($0.width)" } ?? "")
                + (s.features.visual.map { ", visual \($0.presentCount)×\($0.width)" } ?? "")
        }
        let n = AlignmentPairs.Phase.allCases.map { p in pairs.phase.filter { $0 == p }.count }
        return "\(name): A \(side(sides[0])); B \(side(sides[1])); pairs train/valid/test \(n.map(String.init).joined(separator: "/"))"
    }
}
