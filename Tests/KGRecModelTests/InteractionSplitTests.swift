import Testing
@testable import KGRecModel

@Suite struct InteractionSplitTests {
    @Test func countsFollowRecBoleRounding() {
        #expect(InteractionSplit.counts(total: 10, ratios: [0.8, 0.1, 0.1]) == [8, 1, 1])
        #expect(InteractionSplit.counts(total: 5, ratios: [0.8, 0.1, 0.1]) == [3, 1, 1])
        #expect(InteractionSplit.counts(total: 2, ratios: [0.8, 0.1, 0.1]) == [1, 0, 1])
        #expect(InteractionSplit.counts(total: 1, ratios: [0.8, 0.1, 0.1]) == [1, 0, 0])
        #expect(InteractionSplit.counts(total: 23, ratios: [0.8, 0.1, 0.1]) == [19, 2, 2])
    }

    static func pairs() -> ([Int32], [Int32]) {
        var u = [Int32](), i = [Int32]()
        for user in 0..<20 { for item in 0..<(5 + user % 7) { u.append(Int32(user)); i.append(Int32((item * 3 + user) % 40)) } }
        return (u, i)
    }

    @Test func splitIsPerUserDisjointAndComplete() {
        let (u, i) = Self.pairs()
        let s = InteractionSplit.random(userCount: 20, itemCount: 40, users: u, items: i, seed: 1)
        #expect(s.trainUsers.count + s.validUsers.count + s.testUsers.count == u.count)
        for user in 0..<20 {
            let n = u.filter { $0 == Int32(user) }.count
            let c = InteractionSplit.counts(total: n, ratios: [0.8, 0.1, 0.1])
            #expect(s.trainSets.count(of: user) == c[0])
            #expect(s.validSets.count(of: user) == c[1])
            #expect(s.testSets.count(of: user) == c[2])
            for item in s.testSets.items(of: user) {
                #expect(!s.trainSets.contains(user, item))
                #expect(!s.validSets.contains(user, item))
            }
        }
    }

    @Test func sameSeedSameSplitOtherSeedOtherSplit() {
        let (u, i) = Self.pairs()
        let a = InteractionSplit.random(userCount: 20, itemCount: 40, users: u, items: i, seed: 1)
        let b = InteractionSplit.random(userCount: 20, itemCount: 40, users: u, items: i, seed: 1)
        let c = InteractionSplit.random(userCount: 20, itemCount: 40, users: u, items: i, seed: 2)
        #expect(a.testSets == b.testSets)
        #expect(a.testSets != c.testSets)
    }

    @Test func userItemSetsSortAndDeduplicate() {
        let s = UserItemSets(userCount: 3, users: [2, 0, 2, 2], items: [5, 1, 3, 5])
        #expect(Array(s.items(of: 2)) == [3, 5])
        #expect(s.count(of: 1) == 0)
        #expect(s.contains(0, 1) && !s.contains(0, 5))
    }
}
