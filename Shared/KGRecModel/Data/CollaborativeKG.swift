/// The collaborative knowledge graph (KGAT style): users, items and attribute entities in one node
/// index space, with the user–item `interact` relation and every KG relation, each with its inverse.
///
/// Node layout (`N = I + A + U` nodes):
/// - items `[0, I)` (node index = item index = entity index),
/// - attribute entities `[I, I + A)` (node index = entity index),
/// - users `[I + A, I + A + U)` (node of user `u` is `I + A + u`).
///
/// Relation layout (`relationCount = 2 + 2·R_kg`): 0 = `interact` (user → item), 1 = its inverse
/// (item → user), then for KG relation k: `2 + 2k` (h → t) and `3 + 2k` (t → h).
///
/// Triples are directed, deduplicated, sorted by (head, relation, tail); `headOffsets[n]..<headOffsets[n+1]`
/// is the CSR slice of node n's out-edges. Shapes: `heads`, `relations`, `tails` are `[T]`,
/// `headOffsets` is `[N + 1]`.
public struct CollaborativeKG: Sendable, Equatable {
    public let itemCount: Int
    public let attributeCount: Int
    public let userCount: Int
    /// `[relationCount]`: "interact", "interact_inv", then "<name>", "<name>_inv" per KG relation.
    public let relationNames: [String]
    public let heads: [Int32]
    public let relations: [Int32]
    public let tails: [Int32]
    public let headOffsets: [Int32]
    /// Number of directed triples with relation 0 or 1 (twice the distinct training pairs).
    public let interactionTripleCount: Int

    public var entityCount: Int { itemCount + attributeCount }
    public var nodeCount: Int { itemCount + attributeCount + userCount }
    public var relationCount: Int { relationNames.count }
    public var tripleCount: Int { heads.count }
    /// Number of directed triples from the KG (relations ≥ 2).
    public var knowledgeTripleCount: Int { tripleCount - interactionTripleCount }

    /// Node index of user `u`.
    @inline(__always) public func userNode(_ u: Int) -> Int { itemCount + attributeCount + u }
    /// Out-edge index range of node `n`.
    @inline(__always) public func edges(of n: Int) -> Range<Int> {
        Int(headOffsets[n])..<Int(headOffsets[n + 1])
    }
    public func degree(of n: Int) -> Int { Int(headOffsets[n + 1] - headOffsets[n]) }

    /// Builds the graph from training pairs (user `[P]`, item `[P]`) and KG triples in entity space.
    /// Duplicate edges are dropped. Preconditions: indices are in range (loaders check).
    public init(itemCount: Int, attributeCount: Int, userCount: Int,
                trainUsers: [Int32], trainItems: [Int32], knowledge: KGTriples) {
        self.itemCount = itemCount
        self.attributeCount = attributeCount
        self.userCount = userCount
        var names = ["interact", "interact_inv"]
        for n in knowledge.relationNames { names += [n, n + "_inv"] }
        relationNames = names
        let n = itemCount + attributeCount + userCount
        let userBase = Int32(itemCount + attributeCount)

        // Count out-degree per head (with duplicates), then bucket (relation, tail) packed in UInt64.
        var counts = [Int32](repeating: 0, count: n + 1)
        for u in trainUsers { counts[Int(u + userBase)] += 1 }
        for i in trainItems { counts[Int(i)] += 1 }
        for k in 0..<knowledge.count {
            counts[Int(knowledge.heads[k])] += 1
            counts[Int(knowledge.tails[k])] += 1
        }
        var start = [Int](repeating: 0, count: n + 1)
        for v in 0..<n { start[v + 1] = start[v] + Int(counts[v]) }
        var fill = start
        var packed = [UInt64](repeating: 0, count: start[n])
        @inline(__always) func put(_ h: Int, _ r: Int32, _ t: Int32) {
            packed[fill[h]] = UInt64(UInt32(r)) << 32 | UInt64(UInt32(t))
            fill[h] += 1
        }
        for p in 0..<trainUsers.count {
            let u = trainUsers[p] + userBase, i = trainItems[p]
            put(Int(u), 0, i)
            put(Int(i), 1, u)
        }
        for k in 0..<knowledge.count {
            let h = knowledge.heads[k], r = knowledge.relations[k], t = knowledge.tails[k]
            put(Int(h), 2 + 2 * r, t)
            put(Int(t), 3 + 2 * r, h)
        }
        // Sort and deduplicate each head's slice.
        var hs = [Int32](), rs = [Int32](), ts = [Int32]()
        hs.reserveCapacity(packed.count); rs.reserveCapacity(packed.count); ts.reserveCapacity(packed.count)
        var offsets = [Int32](repeating: 0, count: n + 1)
        var interactions = 0
        packed.withUnsafeMutableBufferPointer { buf in
            for v in 0..<n {
                var slice = UnsafeMutableBufferPointer(rebasing: buf[start[v]..<start[v + 1]])
                slice.sort()
                var last: UInt64? = nil
                for e in slice where e != last {
                    last = e
                    let r = Int32(truncatingIfNeeded: e >> 32)
                    hs.append(Int32(v)); rs.append(r); ts.append(Int32(truncatingIfNeeded: e & 0xFFFF_FFFF))
                    if r < 2 { interactions += 1 }
                }
                offsets[v + 1] = Int32(hs.count)
            }
        }
        heads = hs
        relations = rs
        tails = ts
        headOffsets = offsets
        interactionTripleCount = interactions
    }
}
