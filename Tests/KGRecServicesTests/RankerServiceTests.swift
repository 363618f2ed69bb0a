import GRPCCore
import GRPCHTTP2
import GRPCInterop
@testable import KGRecRankerService
import KGRecWire
import Synchronization
import Testing

/// The ranker end to end over gRPC, in front of an in-process fake graph service.
@Suite("Ranker service", .serialized)
struct RankerServiceTests {
    @Test func scoresAreDotProductsAndTheBreakdownSumsToTheScore() async throws {
        let h = try await RankerHarness.start()
        defer { Task { await h.stop() } }
        let r = try await h.score("u3", ["i0", "i7", "nope", "i7"], explain: true)
        #expect(r.items.map(\.itemId) == ["i0", "i7", "i7"])
        #expect(r.unknownItemIds == ["nope"])
        #expect(r.graphVersion == 1)
        for item in r.items {
            let e = h.expected("u3", item.itemId)
            #expect(abs(Double(item.score) - e.score) < 1e-4)
            #expect(abs(Double(item.visualScore) - e.visual) < 1e-4)
            #expect(abs(Double(item.textScore) - e.text) < 1e-4)
            #expect(item.visualScore + item.textScore == item.score)
        }
        let plain = try await h.score("u3", ["i0"])
        #expect(plain.items[0].score == r.items[0].score)
        #expect(plain.items[0].visualScore == 0 && plain.items[0].textScore == 0)
        await h.stop()
    }

    @Test func recommendReturnsTheTopKBestFirstWithSeenItemsExcluded() async throws {
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: 6, items: 40))
        defer { Task { await h.stop() } }
        let seen = Set(h.graph.table.withLock { $0.seen["u2"]! })
        let all = (0..<40).map { "i\($0)" }.map { ($0, h.expected("u2", $0).score) }.sorted { $0.1 > $1.1 }

        let r = try await h.recommend("u2", k: 7, explain: true)
        #expect(r.items.map(\.itemId) == all.filter { !seen.contains($0.0) }.prefix(7).map(\.0))
        for item in r.items { #expect(item.visualScore + item.textScore == item.score) }
        #expect(zip(r.items, r.items.dropFirst()).allSatisfy { $0.score >= $1.score })

        let withSeen = try await h.recommend("u2", k: 40, includeSeen: true)
        #expect(withSeen.items.map(\.itemId) == all.map(\.0))
        let scored = try await h.score("u2", [r.items[0].itemId])
        #expect(scored.items[0].score == r.items[0].score)

        let defaultK = try await h.recommend("u2", k: 0)
        #expect(defaultK.items.count == 10)
        await h.stop()
    }

    @Test func badRequestsGetPreciseStatuses() async throws {
        let h = try await RankerHarness.start { $0.maxK = 50 }
        defer { Task { await h.stop() } }
        await #expect(throws: RPCError(.notFound, "unknown user 'ghost'")) { try await h.score("ghost", ["i1"]) }
        await #expect(throws: RPCError(.notFound, "unknown user 'ghost'")) { try await h.recommend("ghost", k: 3) }
        await #expect(throws: RPCError(.invalidArgument, "item_ids is empty")) { try await h.score("u1", []) }
        await #expect(throws: RPCError(.invalidArgument, "user_id is empty")) { try await h.score("", ["i1"]) }
        await #expect(throws: RPCError(.invalidArgument, "k = 51 is above the limit 50")) {
            try await h.recommend("u1", k: 51)
        }
        await h.stop()
    }

    @Test func scoreStreamAnswersEveryRequestInOrderAndGoesOnAfterABadOne() async throws {
        let h = try await RankerHarness.start()
        defer { Task { await h.stop() } }
        let call = h.channel.bidiStreaming(Kgrec_V1_Ranker.Method.scoreStream,
                                           requestType: Kgrec_V1_ScoreRequest.self,
                                           responseType: Kgrec_V1_ScoreResponse.self,
                                           options: CallOptions(timeout: .seconds(10)))
        let requests = [
            Kgrec_V1_ScoreRequest(userId: "u1", itemIds: ["i1", "i2"], requestId: 10),
            Kgrec_V1_ScoreRequest(userId: "ghost", itemIds: ["i1"], requestId: 11),
            Kgrec_V1_ScoreRequest(userId: "u2", itemIds: [], requestId: 12),
            Kgrec_V1_ScoreRequest(userId: "u4", itemIds: ["i9"], explain: true, requestId: 13),
        ]
        for r in requests { try await call.send(r) }
        call.closeSend()
        var responses: [Kgrec_V1_ScoreResponse] = []
        for try await r in call { responses.append(r) }
        #expect(responses.map(\.requestId) == [10, 11, 12, 13])
        #expect(responses[0].error == nil && responses[0].items.count == 2)
        #expect(responses[1].error?.code == Int32(StatusCode.notFound.rawValue))
        #expect(responses[1].error?.message == "unknown user 'ghost'")
        #expect(responses[2].error?.code == Int32(StatusCode.invalidArgument.rawValue))
        #expect(responses[3].error == nil)
        #expect(abs(Double(responses[3].items[0].score) - h.expected("u4", "i9").score) < 1e-4)
        #expect(await call.status().code == .ok)
        await h.stop()
    }

    @Test func requestsOfOneStreamAreScoredConcurrentlyAndAnsweredInOrder() async throws {
        let users = 12
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: users, items: 10))
        defer { Task { await h.stop() } }
        h.graph.delay.withLock { $0 = .milliseconds(100) }
        let call = h.channel.bidiStreaming(Kgrec_V1_Ranker.Method.scoreStream,
                                           requestType: Kgrec_V1_ScoreRequest.self,
                                           responseType: Kgrec_V1_ScoreResponse.self,
                                           options: CallOptions(timeout: .seconds(20)))
        for u in 0..<users {
            try await call.send(Kgrec_V1_ScoreRequest(userId: "u\(u)", itemIds: ["i1"], requestId: UInt64(u)))
        }
        call.closeSend()
        var responses: [Kgrec_V1_ScoreResponse] = []
        for try await r in call { responses.append(r) }
        #expect(responses.map(\.requestId) == (0..<users).map(UInt64.init))
        for (u, r) in responses.enumerated() {
            #expect(r.error == nil)
            #expect(abs(Double(r.items[0].score) - h.expected("u\(u)", "i1").score) < 1e-4)
        }
        // One at a time would take one slow GetEmbeddings per request.
        let calls = h.graph.getCalls.load(ordering: .relaxed)
        #expect(calls <= users / 2, "\(users) misses on one stream took \(calls) graph calls")
        await h.stop()
    }

    @Test func concurrentMissesAreBatchedIntoFewGraphCalls() async throws {
        let users = 40
        let h = try await RankerHarness.start(RankerFakeGraph.table(users: users, items: 10))
        defer { Task { await h.stop() } }
        h.graph.delay.withLock { $0 = .milliseconds(100) }
        let results = try await withThrowingTaskGroup(of: (String, Float).self) { group in
            for u in 0..<users {
                group.addTask { ("u\(u)", try await h.score("u\(u)", ["i3"]).items[0].score) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (u, s) in results { #expect(abs(Double(s) - h.expected(u, "i3").score) < 1e-4) }
        let calls = h.graph.getCalls.load(ordering: .relaxed)
        let fetched = h.graph.requestedUsers.withLock { $0.flatMap { $0 } }
        #expect(Set(fetched).count == users && fetched.count == users)
        #expect(calls <= 10, "\(users) concurrent misses took \(calls) GetEmbeddings calls")
        // Now cached: no further graph call.
        _ = try await h.score("u5", ["i1"])
        #expect(h.graph.getCalls.load(ordering: .relaxed) == calls)
        #expect(h.metrics.cacheHits.value >= 1 && h.metrics.cacheMisses.value == UInt64(users))
        await h.stop()
    }

    @Test func aCacheSmallerThanTheUsersEvictsButStillScoresCorrectly() async throws {
        // One entry costs 4·32 floats + key + 64 bytes of overhead ≈ 194 bytes: room for two.
        let h = try await RankerHarness.start { $0.cacheBytes = 400 }
        defer { Task { await h.stop() } }
        for round in 0..<2 {
            for u in 0..<6 {
                let r = try await h.score("u\(u)", ["i\(u)"])
                #expect(abs(Double(r.items[0].score) - h.expected("u\(u)", "i\(u)").score) < 1e-4, "round \(round)")
            }
        }
        let stats = h.ranker.service.engine.cache.stats
        #expect(stats.entries == 2 && stats.bytes <= 400)
        #expect(stats.evictions == 10)
        #expect(h.graph.getCalls.load(ordering: .relaxed) == 12)
        #expect(h.metrics.registry.render().contains("kgrec_cache_evictions_total 10"))
        await h.stop()
    }

    @Test func graphDownServesCachedUsersAndFailsOthersPromptlyThenRecovers() async throws {
        let h = try await RankerHarness.start()
        defer { Task { await h.stop() } }
        let before = try await h.score("u1", ["i2"])
        await h.graph.stop()

        let cached = try await h.score("u1", ["i2"], timeout: .seconds(2))
        #expect(cached.items == before.items)
        let start = ContinuousClock.now
        do {
            _ = try await h.score("u2", ["i2"], timeout: .seconds(3))
            Issue.record("an uncached user was served with the graph down")
        } catch let e as RPCError {
            #expect(e.code == .unavailable)
            #expect(e.message.hasPrefix("graph service unavailable: "))
        }
        #expect(ContinuousClock.now - start < .seconds(3), "UNAVAILABLE must come before the deadline")
        let metrics = h.metrics.registry.render()
        #expect(metrics.contains(#"kgrec_downstream_errors_total{service="graph",method="GetEmbeddings",code="UNAVAILABLE"} 3"#),
                "three attempts, each counted")
        #expect(metrics.contains(#"grpc_server_handled_total{grpc_code="Unavailable",grpc_method="Score",grpc_service="kgrec.v1.Ranker",grpc_type="unary"} 1"#))
        #expect(metrics.contains("kgrec_cache_entries 1"))

        try h.graph.start(port: h.graph.port)
        let after = try await h.score("u2", ["i2"])
        #expect(abs(Double(after.items[0].score) - h.expected("u2", "i2").score) < 1e-4)
        await h.stop()
    }

    @Test func aHungGraphGivesUnavailableBeforeTheCallersDeadline() async throws {
        let h = try await RankerHarness.start { $0.deadlineMargin = .milliseconds(150) }
        defer { Task { await h.stop() } }
        h.graph.delay.withLock { $0 = .seconds(30) }
        do {
            _ = try await h.score("u3", ["i2"], timeout: .milliseconds(400))
            Issue.record("served without the graph")
        } catch let e as RPCError {
            #expect(e.code == .unavailable, "\(e)")
        }
        await h.stop()
    }

    @Test func versionBumpDropsStaleUsersAndReWarmsTheCatalogue() async throws {
        let h = try await RankerHarness.start { $0.versionPollInterval = .milliseconds(20) }
        defer { Task { await h.stop() } }
        let v1 = try await h.score("u1", ["i4"])
        #expect(v1.graphVersion == 1)
        let exportsBefore = h.graph.exportCalls.load(ordering: .relaxed)
        h.graph.table.withLock { t in
            t.version = 2
            t.users["u1"]!.visual = Kgrec_V1_Vector(values: Array(repeating: 1, count: 20))
            t.items.append(("i_new", t.items[0].vectors))
        }
        try await h.waitUntil("catalogue version 2") { h.ranker.service.engine.catalogueInfo?.version == 2 }
        #expect(h.graph.exportCalls.load(ordering: .relaxed) > exportsBefore)
        #expect(h.ranker.service.engine.catalogueInfo?.items == 11)
        let v2 = try await h.score("u1", ["i4", "i_new"])
        #expect(v2.graphVersion == 2)
        #expect(abs(Double(v2.items[0].score) - h.expected("u1", "i4").score) < 1e-4)
        #expect(v2.items[0].score != v1.items[0].score)
        #expect(v2.unknownItemIds.isEmpty)
        await h.stop()
    }

    @Test func itemsTheCatalogueLacksAreFetchedOnDemandAndRecommendable() async throws {
        let h = try await RankerHarness.start()
        defer { Task { await h.stop() } }
        h.graph.table.withLock { t in t.items.append(("cold", t.items[3].vectors)) }
        let r = try await h.score("u2", ["cold", "i3"])
        #expect(r.items.map(\.itemId) == ["cold", "i3"])
        #expect(r.items[0].score == r.items[1].score)
        // Once fetched, it is recommendable too (before any re-warm), scored like its twin.
        let all = try await h.recommend("u2", k: 11, explain: true, includeSeen: true)
        #expect(all.items.count == 11)
        let cold = try #require(all.items.first { $0.itemId == "cold" })
        #expect(cold.score == r.items[0].score && cold.visualScore + cold.textScore == cold.score)
        #expect(h.graph.exportCalls.load(ordering: .relaxed) == 1)
        await h.stop()
    }

    @Test func notServingUntilTheCatalogueIsWarm() async throws {
        let h = try await RankerHarness.start(graphRunning: false)
        defer { Task { await h.stop() } }
        #expect(h.ranker.health.status(of: "kgrec.v1.Ranker") == .notServing)
        #expect(h.ranker.health.status(of: "") == .notServing)
        await #expect(throws: RPCError.self) { try await h.score("u1", ["i1"]) }
        do {
            _ = try await h.score("u1", ["i1"])
        } catch let e as RPCError {
            #expect(e.code == .unavailable && e.message.contains("warming"))
        }
        try h.graph.start(port: h.graph.port)
        try await h.waitUntil("serving") { h.ranker.health.status(of: "kgrec.v1.Ranker") == .serving }
        #expect(h.ranker.health.status(of: "") == .serving)
        _ = try await h.score("u1", ["i1"])
        await h.stop()
    }
}
