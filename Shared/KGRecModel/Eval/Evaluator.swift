import Foundation
import KGRecTensor

/// Which held-out interactions to rank.
public enum EvalPhase: String, Sendable, CaseIterable {
    /// Validation positives; the user's training items are excluded from the ranking.
    case valid
    /// Test positives; training and validation items are excluded (RecBole's full-sort protocol:
    /// every item the user interacted with in an earlier phase is masked).
    case test
}

/// Full-ranking evaluation: for every user with positives in the phase, scores all items
/// (`users[u] · items[i]`), masks the user's earlier-phase items, takes the top max(ks) and
/// accumulates `RankingMetrics`. Users are split across threads (both cores).
public struct Evaluator: Sendable {
    public let split: InteractionSplit
    public let ks: [Int]
    public let threads: Int

    public init(split: InteractionSplit, ks: [Int] = [10, 20, 50], threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(!ks.isEmpty && ks.allSatisfy { $0 > 0 })
        self.split = split
        self.ks = ks.sorted()
        self.threads = max(1, threads)
    }

    public func evaluate(_ e: InferenceEmbeddings, phase: EvalPhase) -> RankingMetrics {
        precondition(e.users.rows == split.userCount && e.items.rows == split.itemCount && e.users.cols == e.items.cols)
        let positives = phase == .valid ? split.validSets : split.testSets
        let evalUsers = (0..<split.userCount).filter { positives.count(of: $0) > 0 }
        let chunks = min(threads * 4, max(1, evalUsers.count))
        let kMax = ks.last!
        let partials = ParallelSlots.run(chunks, initial: RankingMetrics(ks: ks)) { c in
            var m = RankingMetrics(ks: ks)
            var row = [Float](repeating: 0, count: split.itemCount)
            var top = TopK(k: kMax)
            var hits = [Bool]()
            var u0 = c * evalUsers.count / chunks
            let u1 = (c + 1) * evalUsers.count / chunks
            while u0 < u1 {
                let u = evalUsers[u0]
                u0 += 1
                scoreRow(e, user: u, into: &row)
                mask(&row, user: u, phase: phase)
                top.reset()
                row.withUnsafeBufferPointer { top.scan($0) }
                hits = top.indices.map { positives.contains(u, $0) }
                m.accumulate(hits: hits, positives: positives.count(of: u))
            }
            return m
        }
        var total = RankingMetrics(ks: ks)
        for p in partials { total.add(p) }
        total.average()
        return total
    }

    /// `row[i] = users[u] · items[i]`, `row` is `[I]`.
    public func scoreRow(_ e: InferenceEmbeddings, user u: Int, into row: inout [Float]) {
        let d = e.users.cols
        e.users.data.withUnsafeBufferPointer { U in
            e.items.data.withUnsafeBufferPointer { V in
                row.withUnsafeMutableBufferPointer { out in
                    let uu = U.baseAddress! + u * d
                    for i in 0..<e.items.rows {
                        let v = V.baseAddress! + i * d
                        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                        var j = 0
                        while j + 4 <= d {
                            s0 += uu[j] * v[j]; s1 += uu[j + 1] * v[j + 1]
                            s2 += uu[j + 2] * v[j + 2]; s3 += uu[j + 3] * v[j + 3]
                            j += 4
                        }
                        while j < d { s0 += uu[j] * v[j]; j += 1 }
                        out[i] = (s0 + s1) + (s2 + s3)
                    }
                }
            }
        }
    }

    /// Sets the scores of items the user saw in earlier phases to −∞.
    public func mask(_ row: inout [Float], user u: Int, phase: EvalPhase) {
        for i in split.trainSets.items(of: u) { row[Int(i)] = -.infinity }
        if phase == .test { for i in split.validSets.items(of: u) { row[Int(i)] = -.infinity } }
    }

    /// The user's top-k items (training and validation items excluded) with scores.
    public func recommend(_ e: InferenceEmbeddings, user u: Int, k: Int) -> [(item: Int32, score: Float)] {
        var row = [Float](repeating: 0, count: split.itemCount)
        scoreRow(e, user: u, into: &row)
        mask(&row, user: u, phase: .test)
        var top = TopK(k: k)
        row.withUnsafeBufferPointer { top.scan($0) }
        return Array(zip(top.indices, top.scores)).map { (item: $0.0, score: $0.1) }
    }
}
