/// The collaborative KG a graph service serves: the trained graph, optionally extended with new
/// items (linked to existing entities), new users and new interactions.
///
/// Node layout follows `CollaborativeKG` (items, then attributes, then users), so appending K new
/// items and V new users shifts the old attribute and user nodes:
/// - items `[0, I)` keep their node; new item k is node `I + k`;
/// - attribute `I + a` (trained node) is node `I + K + a`;
/// - trained user u is node `I + K + A + u`; new user v is node `I + K + A + U + v`.
/// Item and user *indices* never change (new ones are appended). `trainedNode` maps back.
public struct ServingGraph: Sendable {
    /// Counts of the trained graph: items I, attributes A, users U.
    public let baseItems: Int, baseAttributes: Int, baseUsers: Int
    /// K new items and V new users.
    public let newItems: Int, newUsers: Int
    public let graph: CollaborativeKG
    /// Each user's items (training pairs plus added interactions), `[U + V]` rows.
    public let seen: UserItemSets
    /// Fusion sequences over the extended graph, `[I + K, length]`.
    public let sequences: NeighbourSequences

    public var itemCount: Int { baseItems + newItems }
    public var userCount: Int { baseUsers + newUsers }

    /// A KG link of a new item: (KG relation index, entity index in the trained entity space).
    public struct Link: Sendable, Equatable {
        public var relation: Int32
        public var entity: Int32
        public init(relation: Int32, entity: Int32) { self.relation = relation; self.entity = entity }
    }

    /// - Parameters:
    ///   - dataset: the trained dataset (its training pairs and KG).
    ///   - newItemLinks: per new item (index `I + k`), its KG links; entities must be trained ones.
    ///   - newUsers: V.
    ///   - interactions: added (user `[0, U + V)`, item `[0, I + K)`) pairs.
    ///   - sequenceLength: fusion length n.
    public init(dataset: Dataset, newItemLinks: [[Link]] = [], newUsers: Int = 0,
                interactions: [(user: Int32, item: Int32)] = [], sequenceLength: Int) {
        let i0 = dataset.itemCount, k = newItemLinks.count
        baseItems = i0
        baseAttributes = dataset.attributeCount
        baseUsers = dataset.userCount
        newItems = k
        self.newUsers = newUsers
        var knowledge = dataset.knowledge
        if k > 0 {
            let shift = Int32(k), base = Int32(i0)
            knowledge.heads = knowledge.heads.map { $0 < base ? $0 : $0 + shift }
            knowledge.tails = knowledge.tails.map { $0 < base ? $0 : $0 + shift }
            for (j, links) in newItemLinks.enumerated() {
                for l in links {
                    knowledge.append(base + Int32(j), l.relation, l.entity < base ? l.entity : l.entity + shift)
                }
            }
        }
        let users = dataset.split.trainUsers + interactions.map(\.user)
        let items = dataset.split.trainItems + interactions.map(\.item)
        seen = UserItemSets(userCount: dataset.userCount + newUsers, users: users, items: items)
        // Without additions the graph is the dataset's, built from the same pairs and triples, and
        // so are its sequences when they have this length: share them instead of rebuilding.
        let unchanged = k == 0 && newUsers == 0 && interactions.isEmpty
        graph = unchanged ? dataset.graph
            : CollaborativeKG(itemCount: i0 + k, attributeCount: dataset.attributeCount,
                              userCount: dataset.userCount + newUsers, trainUsers: users,
                              trainItems: items, knowledge: knowledge)
        sequences = unchanged && dataset.sequences.length == sequenceLength ? dataset.sequences
            : NeighbourSequences(graph: graph, length: sequenceLength)
    }

    /// The trained graph's node for extended node `n`, or -1 for a new item or user.
    @inline(__always) public func trainedNode(_ n: Int32) -> Int32 {
        let i0 = Int32(baseItems), k = Int32(newItems)
        if n < i0 { return n }
        if n < i0 + k { return -1 }
        if n < i0 + k + Int32(baseAttributes + baseUsers) { return n - k }
        return -1
    }

    /// Node of user `u` (`[0, U + V)`).
    public func userNode(_ u: Int) -> Int { graph.userNode(u) }

    /// Encoder inputs for every item `[0, I + K)`: trained items as `.known` (the trained sequence when
    /// the graph is unchanged around them, else their extended sequence), new items as `.cold` with
    /// `raw[k]`. Sequences are mapped to trained nodes; new items and users in a sequence are left
    /// out (the encoder only knows the trained graph).
    public func encodeInputs(raw: [RawContent], trained: NeighbourSequences?) -> [EncodeInput] {
        precondition(raw.count == newItems)
        return (0..<itemCount).map { i in
            let mapped = sequences.sequence(of: i).dropFirst().compactMap { n -> Int32? in
                let t = trainedNode(n)
                return t >= 0 ? t : nil
            }
            if i >= baseItems { return .cold(raw: raw[i - baseItems], neighbours: mapped) }
            if let trained, i < trained.itemCount, Array(trained.sequence(of: i).dropFirst()) == mapped {
                return .known(item: i)
            }
            return .known(item: i, neighbours: mapped)
        }
    }
}
