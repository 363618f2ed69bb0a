import Testing
@testable import KGRecModel

@Suite struct NeighbourSequencesTests {
    /// Items 0..2, attributes 3 (genre) and 4 (director), users 5..7.
    /// item0: genre 3, director 4; item1: genre 3; item2: none. users: u0(5)→0,1; u1(6)→0; u2(7)→2.
    static func graph() -> CollaborativeKG {
        let kg = KGTriples(heads: [0, 0, 1], relations: [0, 1, 0], tails: [3, 4, 3], relationNames: ["genre", "director"])
        return CollaborativeKG(itemCount: 3, attributeCount: 2, userCount: 3,
                               trainUsers: [0, 0, 1, 2], trainItems: [0, 1, 0, 2], knowledge: kg)
    }

    @Test func sequenceStartsWithTheItemThenNeighboursByHopRoundRobinOverRelations() {
        let s = NeighbourSequences(graph: Self.graph(), length: 6)
        // item0 out-edges by relation: interact_inv → users 5, 6; genre → 3; director → 4.
        // Hop 1 round-robin: 5, 3, 4, 6. Hop 2 from 5: item1 (1).
        #expect(Array(s.sequence(of: 0)) == [0, 5, 3, 4, 6, 1])
        #expect(s.counts[0] == 6)
    }

    @Test func shortSequencesArePaddedWithMinusOne() {
        let s = NeighbourSequences(graph: Self.graph(), length: 6)
        // item2: user 7 only, who has no other item.
        #expect(Array(s.sequence(of: 2)) == [2, 7])
        #expect(Array(s.nodes[12..<18]) == [2, 7, -1, -1, -1, -1])
    }

    @Test func usersCanBeLeftOut() {
        let s = NeighbourSequences(graph: Self.graph(), length: 4, includeUsers: false)
        #expect(Array(s.sequence(of: 0)) == [0, 3, 4, 1])
    }
}
