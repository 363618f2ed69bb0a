/// Knowledge-graph triples (h, r, t) in entity index space.
///
/// Entities are `[0, entityCount)`: items first (`[0, itemCount)`, entity index = item index),
/// then attribute entities. Relations are `[0, relationNames.count)`, without inverses and without
/// the user–item `interact` relation (those are added by `CollaborativeKG`).
/// Shapes: `heads`, `relations`, `tails` are `[T]`.
public struct KGTriples: Sendable, Equatable {
    public var heads: [Int32]
    public var relations: [Int32]
    public var tails: [Int32]
    /// Name of each KG relation, `[R]`.
    public var relationNames: [String]

    public init(heads: [Int32] = [], relations: [Int32] = [], tails: [Int32] = [], relationNames: [String] = []) {
        precondition(heads.count == relations.count && heads.count == tails.count)
        self.heads = heads
        self.relations = relations
        self.tails = tails
        self.relationNames = relationNames
    }

    public var count: Int { heads.count }
    public var relationCount: Int { relationNames.count }

    public mutating func append(_ h: Int32, _ r: Int32, _ t: Int32) {
        heads.append(h)
        relations.append(r)
        tails.append(t)
    }
}
