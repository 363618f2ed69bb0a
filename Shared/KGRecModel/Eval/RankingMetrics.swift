/// Top-k ranking metrics averaged over evaluated users (RecBole's definitions):
/// - Recall@k = |top-k ∩ positives| / |positives|
/// - MRR@k = 1 / rank of the first positive in the top k (0 if none)
/// - NDCG@k = Σ_{hits at rank r ≤ k} 1/log2(r+1) / Σ_{r=1}^{min(|positives|, k)} 1/log2(r+1)
/// - Hit@k = 1 if any positive is in the top k
/// - Precision@k = |top-k ∩ positives| / k
public struct RankingMetrics: Codable, Equatable, Sendable {
    /// Cut-offs, ascending, `[K]`.
    public var ks: [Int]
    /// Each `[K]`, aligned with `ks`.
    public var recall: [Double]
    public var mrr: [Double]
    public var ndcg: [Double]
    public var hit: [Double]
    public var precision: [Double]
    /// Number of users averaged over (those with at least one positive).
    public var users: Int

    public init(ks: [Int]) {
        self.ks = ks
        recall = Array(repeating: 0, count: ks.count)
        mrr = recall; ndcg = recall; hit = recall; precision = recall
        users = 0
    }

    /// A metric by name, e.g. `value("ndcg", at: 20)`; nil when `k` was not evaluated.
    public func value(_ metric: String, at k: Int) -> Double? {
        guard let c = ks.firstIndex(of: k) else { return nil }
        switch metric.lowercased() {
        case "recall": return recall[c]
        case "mrr": return mrr[c]
        case "ndcg": return ndcg[c]
        case "hit": return hit[c]
        case "precision": return precision[c]
        default: return nil
        }
    }

    /// `["recall@10": …, …]`, for JSON lines.
    public var flat: [String: Double] {
        var d = [String: Double]()
        for (c, k) in ks.enumerated() {
            d["recall@\(k)"] = recall[c]; d["mrr@\(k)"] = mrr[c]; d["ndcg@\(k)"] = ndcg[c]
            d["hit@\(k)"] = hit[c]; d["precision@\(k)"] = precision[c]
        }
        return d
    }

    /// Adds one user's hit flags for its ranked list (`hits[r]` = whether rank r+1 is a positive).
    mutating func accumulate(hits: [Bool], positives: Int) {
        users += 1
        for (c, k) in ks.enumerated() {
            var found = 0, firstRank = 0
            var dcg = 0.0, idcg = 0.0
            for r in 0..<min(k, hits.count) where hits[r] {
                found += 1
                if firstRank == 0 { firstRank = r + 1 }
                dcg += 1 / log2(Double(r + 2))
            }
            for r in 0..<min(positives, k) { idcg += 1 / log2(Double(r + 2)) }
            recall[c] += Double(found) / Double(positives)
            mrr[c] += firstRank > 0 ? 1 / Double(firstRank) : 0
            ndcg[c] += idcg > 0 ? dcg / idcg : 0
            hit[c] += found > 0 ? 1 : 0
            precision[c] += Double(found) / Double(k)
        }
    }

    /// Sums another partial (same ks).
    mutating func add(_ o: RankingMetrics) {
        users += o.users
        for c in 0..<ks.count {
            recall[c] += o.recall[c]; mrr[c] += o.mrr[c]; ndcg[c] += o.ndcg[c]
            hit[c] += o.hit[c]; precision[c] += o.precision[c]
        }
    }

    /// Divides the sums by the user count.
    mutating func average() {
        guard users > 0 else { return }
        let n = Double(users)
        for c in 0..<ks.count {
            recall[c] /= n; mrr[c] /= n; ndcg[c] /= n; hit[c] /= n; precision[c] /= n
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
