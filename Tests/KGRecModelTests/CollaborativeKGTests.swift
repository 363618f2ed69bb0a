import Testing
@testable import KGRecModel

@Suite struct CollaborativeKGTests {
    /// 2 items, 1 attribute, 2 users; KG: item0 -r0-> attr2, item1 -r0-> attr2 (twice, deduplicated).
    static func graph() -> CollaborativeKG {
        let kg = KGTriples(heads: [0, 1, 1], relations: [0, 0, 0], tails: [2, 2, 2], relationNames: ["genre"])
        return CollaborativeKG(itemCount: 2, attributeCount: 1, userCount: 2,
                               trainUsers: [0, 0, 1], trainItems: [0, 1, 1], knowledge: kg)
    }

    @Test func nodeLayoutPutsItemsThenAttributesThenUsers() {
        let g = Self.graph()
        #expect(g.nodeCount == 5)
        #expect(g.userNode(0) == 3)
        #expect(g.userNode(1) == 4)
        #expect(g.relationNames == ["interact", "interact_inv", "genre", "genre_inv"])
    }

    @Test func everyEdgeHasItsInverseAndDuplicatesAreDropped() {
        let g = Self.graph()
        // interactions: 3 pairs × 2 directions; KG: 2 distinct triples × 2 directions.
        #expect(g.tripleCount == 10)
        #expect(g.interactionTripleCount == 6)
        #expect(g.knowledgeTripleCount == 4)
        #expect(g.contains(head: 3, relation: 0, tail: 0))
        #expect(g.contains(head: 0, relation: 1, tail: 3))
        #expect(g.contains(head: 2, relation: 3, tail: 1))
        #expect(!g.contains(head: 4, relation: 0, tail: 0))
    }

    @Test func triplesAreSortedByHeadWithCSROffsets() {
        let g = Self.graph()
        #expect(g.headOffsets.count == g.nodeCount + 1)
        #expect(g.headOffsets.last! == Int32(g.tripleCount))
        for n in 0..<g.nodeCount {
            let r = g.edges(of: n)
            for e in r { #expect(g.heads[e] == Int32(n)) }
            for e in r.dropFirst() {
                #expect((g.relations[e - 1], g.tails[e - 1]) < (g.relations[e], g.tails[e]))
            }
        }
        // attribute 2: genre_inv to items 0 and 1.
        #expect(g.edges(of: 2).map { g.tails[$0] } == [0, 1])
        #expect(g.degree(of: 4) == 1)
    }
}
