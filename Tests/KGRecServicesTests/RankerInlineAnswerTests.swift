import GRPCCore
@testable import KGRecRankerService
import KGRecWire
import Testing

/// Score and Recommend for a cached user are answered on the event loop (counted in
/// `kgrec_inline_answers_total`); a miss, an id nobody knows yet, or a scan over
/// `inlineScanBytes` runs as a task — with the same answers either way.
@Suite("Ranker inline answers", .serialized)
struct RankerInlineAnswerTests {
    func recommend(_ h: RankerHarness, _ user: String) async throws -> Kgrec_V1_RecommendResponse {
        try await h.recommend(user, k: 10, explain: true)
    }

    @Test func aCachedUserIsAnsweredInlineAndAMissByATaskWithTheSameAnswer() async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 300))
        defer { Task { await h.stop() } }
        let m = h.ranker.service.engine.metrics
        let items = (0..<40).map { "i\($0 * 7)" }
        let first = try await h.score("u1", items, explain: true)   // a miss: fetched by a task
        #expect(m.inlineScore.value == 0 && h.graph.getCalls.load(ordering: .relaxed) == 1)
        let second = try await h.score("u1", items, explain: true)  // cached: inline
        #expect(m.inlineScore.value == 1 && h.graph.getCalls.load(ordering: .relaxed) == 1)
        #expect(first.items == second.items && second.items.count == 40)
        #expect(second.items.allSatisfy { $0.visualScore + $0.textScore == $0.score })

        let r = try await recommend(h, "u1")
        #expect(m.inlineRecommend.value == 1 && r.items.count == 10 && r.mode == .exact)
        #expect(r.items.allSatisfy { $0.visualScore + $0.textScore == $0.score })
        #expect(try await h.score("u1", r.items.map(\.itemId), explain: true).items == r.items)

        // An id neither in the catalogue nor known to be unknown needs the graph: a task asks,
        // and once the graph said it does not know it, the same call is answered inline.
        let withUnknown = items + ["nope"]
        let a = try await h.score("u1", withUnknown)
        #expect(a.unknownItemIds == ["nope"] && m.inlineScore.value == 2)
        let b = try await h.score("u1", withUnknown)
        #expect(b == a && m.inlineScore.value == 3)
        // Each call is in the RPC metrics once, whichever path answered (5 Score, 1 Recommend).
        let score = h.metrics.rpc.method(Kgrec_V1_Ranker.Method.score, type: .unary)
        let rec = h.metrics.rpc.method(Kgrec_V1_Ranker.Method.recommend, type: .unary)
        #expect(score.startedCount == 5 && score.counter(.ok).value == 5 && score.latency.count == 5)
        #expect(rec.startedCount == 1 && rec.counter(.ok).value == 1 && rec.latency.count == 1)
        await h.stop()
    }

    @Test func aScanOverTheInlineLimitRunsAsATaskWithTheSameAnswer() async throws {
        let table = RankerFakeGraph.table(users: 6, items: 300)
        let inline = try await RankerHarness.start(table)
        let tasked = try await RankerHarness.start(table) { $0.inlineScanBytes = 1 }
        defer { Task { await inline.stop(); await tasked.stop() } }
        for h in [inline, tasked] { _ = try await h.score("u3", ["i1"]) }  // both users cached
        let a = try await recommend(inline, "u3"), b = try await recommend(tasked, "u3")
        #expect(inline.ranker.service.engine.metrics.inlineRecommend.value == 1)
        #expect(tasked.ranker.service.engine.metrics.inlineRecommend.value == 0)
        #expect(a.items == b.items && a.items.count == 10)
        await inline.stop()
        await tasked.stop()
    }
}
