import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecWire
@testable import KGRecCLI

extension EndToEndFixture {
    /// Scores every item for each of `users` through the topology's ranker (Score with explain) and
    /// asks for its top 10 (Recommend), comparing with the offline model: every total and visual
    /// score within `tolerance` (relative above 1), visual + text = total, the top-k scores rank by
    /// rank over the unseen items, no seen item recommended. Returns one line per mismatch.
    func servedMismatches(_ t: LocalTopology, users: [Int], tolerance: Float) async throws -> [String] {
        func close(_ a: Float, _ b: Float) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }
        let ds = dataset, opts = CallOptions(timeout: .seconds(10))
        let ranker = GRPCChannel(host: "127.0.0.1", port: t.endpoint("ranker")!.grpcPort)
        defer { ranker.close() }
        var mismatches: [String] = []
        for u in users {
            let user = ds.users[u]
            let scored = try await ranker.unary(Kgrec_V1_Ranker.Method.score,
                                                request: Kgrec_V1_ScoreRequest(userId: user, itemIds: ds.items.tokens, explain: true),
                                                responseType: Kgrec_V1_ScoreResponse.self, options: opts).message
            if !scored.unknownItemIds.isEmpty { mismatches.append("user \(user): unknown items \(scored.unknownItemIds.prefix(3))") }
            if scored.items.count != ds.itemCount { mismatches.append("user \(user): \(scored.items.count) of \(ds.itemCount) items scored") }
            for (i, it) in scored.items.enumerated() {
                if it.itemId != ds.items[i] { mismatches.append("user \(user): item \(i) is \(it.itemId), not \(ds.items[i])") }
                let want = offlineScore(user: u, item: i)
                if !close(it.score, want.total) || !close(it.visualScore, want.visual)
                    || !close(it.visualScore + it.textScore, it.score) {
                    mismatches.append("user \(user) item \(it.itemId): served \(it.score) (v \(it.visualScore), t \(it.textScore)), offline \(want)")
                }
            }
            // Top-k: the offline ranking over unseen items, compared by score at every rank
            // (equal scores may swap places) and by membership of the seen set.
            let k = 10
            let rec = try await ranker.unary(Kgrec_V1_Ranker.Method.recommend, request: Kgrec_V1_RecommendRequest(userId: user, k: UInt32(k)),
                                             responseType: Kgrec_V1_RecommendResponse.self, options: opts).message
            let seen = Set(zip(ds.split.trainUsers, ds.split.trainItems).filter { Int($0.0) == u }.map { Int($0.1) })
            let offlineTop = (0..<ds.itemCount).filter { !seen.contains($0) }
                .map { ($0, offlineScore(user: u, item: $0).total) }
                .sorted { $0.1 > $1.1 }.prefix(k)
            if rec.items.count != offlineTop.count { mismatches.append("user \(user): \(rec.items.count) recommended, want \(offlineTop.count)") }
            for (served, want) in zip(rec.items, offlineTop) {
                let idx = ds.items.index(of: served.itemId).map(Int.init) ?? -1
                if seen.contains(idx) { mismatches.append("user \(user): recommended seen item \(served.itemId)") }
                if !close(served.score, want.1) {
                    mismatches.append("user \(user): top-k score \(served.itemId) \(served.score) vs offline \(ds.items[want.0]) \(want.1)")
                }
            }
        }
        return mismatches
    }
}
