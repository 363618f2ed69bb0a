import GRPCCore
import KGRecServing
@testable import KGRecRankerService
import KGRecWire
import Testing

/// Recommend in every catalogue precision and answer mode (exact scan, IVF index), over gRPC in
/// front of the fake graph.
@Suite("Ranker recommend modes", .serialized)
struct RankerRecommendModesTests {
    static func annOptions(_ precision: ScanPrecision) -> (inout RankerOptions) -> Void {
        { o in
            o.precision = precision
            var a = RankerOptions.ANN()
            a.minItems = 50
            a.lists = 16
            a.nprobe = 4
            o.ann = a
            o.recallProbeRate = 1
            o.versionPollInterval = .milliseconds(20)
        }
    }

    func recommend(_ h: RankerHarness, _ user: String, k: UInt32, exact: Bool, nprobe: UInt32 = 0,
                   includeSeen: Bool = false, explain: Bool = true) async throws -> Kgrec_V1_RecommendResponse
    {
        try await h.channel.unary(Kgrec_V1_Ranker.Method.recommend,
                                  request: Kgrec_V1_RecommendRequest(userId: user, k: k, explain: explain,
                                                                     includeSeen: includeSeen, exact: exact,
                                                                     nprobe: nprobe),
                                  responseType: Kgrec_V1_RecommendResponse.self,
                                  options: CallOptions(timeout: .seconds(5))).message
    }

    @Test(arguments: ScanPrecision.allCases)
    func theExplanationSumsToTheScoreAndScoreAgreesInEveryMode(precision: ScanPrecision) async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 300), configure: Self.annOptions(precision))
        defer { Task { await h.stop() } }
        let c = try #require(h.ranker.service.engine.state.withLock { $0.catalogue })
        #expect(c.matrix.precision == precision && c.index?.lists == 16)
        let seen = Set(h.graph.table.withLock { $0.seen["u2"]! })
        let exact = try await recommend(h, "u2", k: 10, exact: true)
        let ann = try await recommend(h, "u2", k: 10, exact: false)
        let all = try await recommend(h, "u2", k: 10, exact: false, nprobe: 16)
        #expect(exact.mode == .exact && ann.mode == .ann && all.mode == .ann)
        #expect(all.items == exact.items)  // every list probed = the exact answer
        for r in [exact, ann] {
            #expect(r.items.count == 10)
            #expect(r.items.allSatisfy { $0.visualScore + $0.textScore == $0.score && !seen.contains($0.itemId) })
            #expect(zip(r.items, r.items.dropFirst()).allSatisfy { $0.score >= $1.score })
            let scored = try await h.score("u2", r.items.map(\.itemId), explain: true)
            #expect(scored.items == r.items)
        }
        // The scores are the precision's: close to the fp32 dot products, exact for fp32.
        for item in exact.items {
            let e = h.expected("u2", item.itemId).score
            #expect(abs(Double(item.score) - e) < (precision == .fp32 ? 1e-4 : 0.05 * max(1, abs(e))))
        }
        try await h.waitUntil("a recall probe") { h.ranker.service.engine.metrics.recallSum.withLock { $0.count } > 0 }
        await h.stop()
    }

    /// At probe rate 1 every ANN Recommend samples a probe: each one either runs (on the
    /// idle-priority worker, one at a time) or is counted as skipped; none is lost or queued.
    @Test func everySampledRecallProbeRunsOrIsCountedAsSkipped() async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 300), configure: Self.annOptions(.fp32))
        defer { Task { await h.stop() } }
        let calls = 40
        try await withThrowingTaskGroup(of: Void.self) { g in
            for i in 0..<calls { g.addTask { _ = try await self.recommend(h, "u\(i % 6)", k: 10, exact: false) } }
            try await g.waitForAll()
        }
        let m = h.ranker.service.engine.metrics
        try await h.waitUntil("every probe run or skipped") {
            Int(m.recallProbesRun.value + m.recallProbesSkipped.value) == calls
        }
        #expect(m.recallProbesRun.value >= 1 && Int(m.recallProbesRun.value) == m.recallSum.withLock { $0.count })
        await h.stop()
    }

    @Test func theRefinedAnnAnswerIsScoredAndExplainedFromTheFp32Rows() async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 300), configure: Self.annOptions(.fp32))
        defer { Task { await h.stop() } }
        let c = try #require(h.ranker.service.engine.state.withLock { $0.catalogue })
        #expect(c.matrix.precision == .fp32 && c.codes?.precision == .int8 && c.codes?.count == c.count)
        let exact = try await recommend(h, "u2", k: 10, exact: true)
        let ann = try await recommend(h, "u2", k: 10, exact: false)
        let all = try await recommend(h, "u2", k: 10, exact: false, nprobe: 16)
        #expect(ann.mode == .ann && all.mode == .ann)
        #expect(all.items == exact.items)  // every list probed, int8 candidates re-scored: the exact fp32 answer
        #expect(ann.items.count == 10)
        for item in ann.items {
            #expect(item.visualScore + item.textScore == item.score)
            #expect(abs(Double(item.score) - h.expected("u2", item.itemId).score) < 1e-4)  // fp32's, not int8's
        }
        #expect(try await h.score("u2", ann.items.map(\.itemId), explain: true).items == ann.items)
        // Unexplained, the scores are the top-k's own: the re-scored fp32 ones as well.
        let plain = try await recommend(h, "u2", k: 10, exact: false, explain: false)
        #expect(plain.items.map(\.itemId) == ann.items.map(\.itemId) && plain.items.map(\.score) == ann.items.map(\.score))
        await h.stop()
    }

    @Test func refineZeroScansTheCatalogueRowsWithoutInt8Codes() async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 300)) { o in
            Self.annOptions(.fp32)(&o)
            o.ann?.refine = 0
        }
        defer { Task { await h.stop() } }
        let c = try #require(h.ranker.service.engine.state.withLock { $0.catalogue })
        #expect(c.index != nil && c.codes == nil)
        #expect(try await recommend(h, "u2", k: 10, exact: false).mode == .ann)
        await h.stop()
    }

    @Test func aSmallCatalogueOrAnnOffIsAlwaysAnsweredExactly() async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 40)) { o in
            o.ann?.minItems = 41
        }
        defer { Task { await h.stop() } }
        #expect(h.ranker.service.engine.state.withLock { $0.catalogue?.index } == nil)
        #expect(try await recommend(h, "u1", k: 5, exact: false).mode == .exact)
        await h.stop()
    }

    /// int8 rows (the index scans them) and fp32 rows (the index scans their int8 codes and refines).
    @Test(arguments: [ScanPrecision.int8, .fp32])
    func aColdItemIsRecommendableInAnnModeRightAfterItIsAdded(precision: ScanPrecision) async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 300),
                                              configure: Self.annOptions(precision))
        defer { Task { await h.stop() } }
        // Added to the graph (no version bump yet): a Score fetches it, Recommend ranks it.
        let twin = h.graph.table.withLock { t in
            var v = t.users["u3"]!
            v.visual!.values = v.visual!.values.map { $0 * 50 }
            v.text!.values = v.text!.values.map { $0 * 50 }
            t.items.append(("cold", v))
            return v
        }
        _ = try await h.score("u3", ["cold"])
        let before = try await recommend(h, "u3", k: 3, exact: false, nprobe: 1)
        #expect(before.mode == .ann && before.items.first?.itemId == "cold")
        // The graph publishes the new version: the re-warmed catalogue keeps the centroids (one new
        // item of 301), puts the item in the list whose centroid has its largest inner product (50·u3: the list u3
        // probes first), so a one-list probe finds it.
        h.graph.table.withLock { t in t.version = 2 }
        try await h.waitUntil("catalogue version 2") { h.ranker.service.engine.catalogueInfo?.version == 2 }
        let c = try #require(h.ranker.service.engine.state.withLock { $0.catalogue })
        #expect(c.count == 301 && !c.indexTrained && c.rows["cold"] != nil)
        #expect(c.codes?.count == (precision == .int8 ? nil : 301))
        #expect(h.ranker.service.engine.state.withLock { $0.extras.isEmpty })
        let after = try await recommend(h, "u3", k: 3, exact: false, nprobe: 1)
        #expect(after.mode == .ann && after.items.first?.itemId == "cold")
        #expect(after.items.first.map { $0.visualScore + $0.textScore == $0.score } == true)
        _ = twin
        await h.stop()
    }
}
