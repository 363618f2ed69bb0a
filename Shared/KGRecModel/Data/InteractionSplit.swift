/// Train / validation / test (user, item) pairs.
///
/// Shapes: each `*Users`/`*Items` pair is `[P_phase]` with user in `[0, U)`, item in `[0, I)`.
/// `trainSets` holds each user's training items (negative sampling, and excluded at evaluation);
/// `validSets`/`testSets` are the positives of those phases.
public struct InteractionSplit: Sendable {
    public let userCount: Int
    public let itemCount: Int
    public let trainUsers: [Int32], trainItems: [Int32]
    public let validUsers: [Int32], validItems: [Int32]
    public let testUsers: [Int32], testItems: [Int32]
    public let trainSets: UserItemSets
    public let validSets: UserItemSets
    public let testSets: UserItemSets

    public init(userCount: Int, itemCount: Int,
                train: ([Int32], [Int32]), valid: ([Int32], [Int32]), test: ([Int32], [Int32])) {
        self.userCount = userCount
        self.itemCount = itemCount
        (trainUsers, trainItems) = train
        (validUsers, validItems) = valid
        (testUsers, testItems) = test
        trainSets = UserItemSets(userCount: userCount, users: train.0, items: train.1)
        validSets = UserItemSets(userCount: userCount, users: valid.0, items: valid.1)
        testSets = UserItemSets(userCount: userCount, users: test.0, items: test.1)
    }

    /// RecBole's `RS` split with `group_by: user` and random order (`RO`): the interactions are
    /// shuffled with `seed`, grouped by user (keeping the shuffled order), and each user's list is
    /// cut by `ratios` using RecBole's rounding (`counts(total:ratios:)`).
    public static func random(userCount: Int, itemCount: Int, users: [Int32], items: [Int32],
                              ratios: [Double] = [0.8, 0.1, 0.1], seed: UInt64) -> InteractionSplit {
        precondition(users.count == items.count)
        let phases = randomPositions(userCount: userCount, users: users, ratios: ratios, seed: seed)
        let parts = phases.map { ps in (ps.map { users[$0] }, ps.map { items[$0] }) }
        return InteractionSplit(userCount: userCount, itemCount: itemCount,
                                train: parts[0], valid: parts[1], test: parts[2])
    }

    /// `random`'s split as positions into `users`: `[train, valid, test]`, each in split order.
    public static func randomPositions(userCount: Int, users: [Int32], ratios: [Double] = [0.8, 0.1, 0.1],
                                       seed: UInt64) -> [[Int]] {
        precondition(ratios.count == 3)
        var order = Array(0..<users.count)
        var rng = SplitMix64(seed: seed)
        rng.shuffle(&order)
        var byUser = [[Int]](repeating: [], count: userCount)
        for p in order { byUser[Int(users[p])].append(p) }
        var phases: [[Int]] = [[], [], []]
        for u in 0..<userCount where !byUser[u].isEmpty {
            let list = byUser[u]
            let c = counts(total: list.count, ratios: ratios)
            var at = 0
            for phase in 0..<3 {
                phases[phase].append(contentsOf: list[at..<at + c[phase]])
                at += c[phase]
            }
        }
        return phases
    }

    /// RecBole's `_calcu_split_ids`: floor each later phase's share, give the rest to train, then
    /// while train keeps more than one, round a later phase's fractional share (0 < share < 1) up to 1.
    public static func counts(total: Int, ratios: [Double]) -> [Int] {
        let sum = ratios.reduce(0, +)
        let r = ratios.map { $0 / sum }
        var c = r.map { Int($0 * Double(total)) }
        c[0] = total - c.dropFirst().reduce(0, +)
        for i in 1..<r.count {
            if c[0] <= 1 { break }
            let share = r[r.count - i] * Double(total)
            if share > 0 && share < 1 {
                c[r.count - i] += 1
                c[0] -= 1
            }
        }
        return c
    }
}
