@testable import KGRecModel
import KGRecTensor
import Testing

@Suite struct LightGCNTests {
    /// 4 users, 5 items; user 0 has a duplicated pair (counted once), item 4 has no interaction.
    static let users: [Int32] = [0, 0, 0, 0, 1, 1, 2, 2, 2, 3]
    static let items: [Int32] = [0, 1, 2, 0, 2, 3, 0, 1, 3, 1]

    static func model(d: Int = 6, l2: Float = 1e-2) -> LightGCN {
        var c = ModelConfig()
        c.embeddingSize = d
        c.l2 = l2
        c.seed = 5
        return LightGCN(config: c, userCount: 4, itemCount: 5, trainUsers: users, trainItems: items)
    }

    @Test func inferenceIsTheMeanOfTheLayersOverTheSymmetricallyNormalisedAdjacency() {
        let m = Self.model()
        let n = 9, d = 6
        // Dense reference in Double: Â = D^-1/2 A D^-1/2 over distinct pairs, E_final = (E + ÂE + Â²E) / 3.
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (u, i) in zip(Self.users, Self.items) { a[Int(u)][4 + Int(i)] = 1; a[4 + Int(i)][Int(u)] = 1 }
        let deg = a.map { $0.reduce(0, +) }
        var e = (0..<n).map { r in (0..<d).map { c in Double(m.embedding.value.data[r * d + c]) } }
        var total = e
        for _ in 0..<LightGCN.layers {
            e = (0..<n).map { r in
                (0..<d).map { c in
                    (0..<n).reduce(0.0) { s, k in a[r][k] == 0 ? s : s + e[k][c] / (deg[r] * deg[k]).squareRoot() }
                }
            }
            for r in 0..<n { for c in 0..<d { total[r][c] += e[r][c] } }
        }
        let out = m.inferenceEmbeddings()
        #expect(out.users.rows == 4 && out.items.rows == 5 && out.users.cols == d && out.channels.map(\.width) == [d])
        var worst = 0.0
        for r in 0..<n {
            for c in 0..<d {
                let got = Double(r < 4 ? out.users.data[r * d + c] : out.items.data[(r - 4) * d + c])
                worst = max(worst, abs(got - total[r][c] / 3))
            }
        }
        #expect(worst < 1e-6)
        // The item with no interaction keeps a third of its own embedding (no neighbours).
        #expect(abs(Double(out.items.data[4 * d]) - Double(m.embedding.value.data[8 * d]) / 3) < 1e-7)
    }

    @Test func bprLossGradientsMatchFiniteDifferencesThroughPropagation() {
        let m = Self.model()
        let users: [Int32] = [0, 1, 2, 3, 1], positives: [Int32] = [1, 3, 0, 1, 2], negatives: [Int32] = [4, 0, 2, 3, 1]
        let loss = { m.bprLossAndGradients(users: users, positives: positives, negatives: negatives) }
        m.embedding.grad.zero()
        _ = loss()
        let analytic = m.embedding.grad
        let eps: Float = 1e-2
        var diff = 0.0, na = 0.0, nn = 0.0
        for i in 0..<m.embedding.value.count {  // every element: rows reached only through propagation too
            let x = m.embedding.value.data[i]
            m.embedding.value.data[i] = x + eps
            let lp = Double(loss())
            m.embedding.value.data[i] = x - eps
            let lm = Double(loss())
            m.embedding.value.data[i] = x
            let numeric = (lp - lm) / (2 * Double(eps))
            let g = Double(analytic.data[i])
            diff += (g - numeric) * (g - numeric); na += g * g; nn += numeric * numeric
        }
        #expect(na > 0)
        #expect(diff.squareRoot() / max(na.squareRoot(), nn.squareRoot()) < 1e-2)
    }

    @Test func trainingStepsLowerTheBPRLossAndCheckpointRoundTrips() throws {
        let m = Self.model(l2: 1e-5)
        let users: [Int32] = [0, 1, 2, 3], positives: [Int32] = [1, 3, 0, 1], negatives: [Int32] = [4, 0, 2, 3]
        let first = m.bprLossAndGradients(users: users, positives: positives, negatives: negatives)
        m.step()
        for _ in 0..<30 {
            _ = m.bprLossAndGradients(users: users, positives: positives, negatives: negatives)
            m.step()
        }
        let last = m.bprLossAndGradients(users: users, positives: positives, negatives: negatives)
        #expect(last < first - 0.01)
        let copy = Self.model()
        try copy.loadParameters(Dictionary(uniqueKeysWithValues: m.namedParameters()))
        #expect(copy.inferenceEmbeddings().items.data == m.inferenceEmbeddings().items.data)
        let error = #expect(throws: ModelError.self) { try copy.loadParameters([:]) }
        #expect(error?.code == .missingTensor)
    }
}
