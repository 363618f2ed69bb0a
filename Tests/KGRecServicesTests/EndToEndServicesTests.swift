import Foundation
import GRPCCore
import GRPCHTTP2
import KGRecModel
import KGRecWire
import Testing
@testable import KGRecCLI

/// The three real executables started by `kgrec up`'s code (encoder → graph → ranker, as
/// processes on free 127.0.0.1 ports) from a tiny checkpoint trained by the real `kgrec train`.
@Suite(.serialized) struct EndToEndServicesTests {
    static let tolerance: Float = 1e-4
    let opts = CallOptions(timeout: .seconds(10))

    static func close(_ a: Float, _ b: Float) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    @Test func servedScoresAndTopKEqualTheOfflineModelForEveryTestUser() async throws {
        let f = try await EndToEndFixture.shared.value
        let ds = f.dataset
        let testUsers = Array(Set(ds.split.testUsers)).sorted()
        try #require(!testUsers.isEmpty)
        try await f.withTopology("offline-equality") { t in
            let mismatches = try await f.servedMismatches(t, users: testUsers.map(Int.init), tolerance: Self.tolerance)
            #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
        }
    }

    @Test func coldItemIsServedWithoutRestartAndWhileTheGraphIsDownCachedUsersAreStillAnsweredUntilItRecovers() async throws {
        let f = try await EndToEndFixture.shared.value
        let ds = f.dataset
        try await f.withTopology("cold-and-fault", configure: { $0.authToken = "e2e-secret" }) { t in
            let ranker = GRPCChannel(host: "127.0.0.1", port: t.endpoint("ranker")!.grpcPort)
            let graph = GRPCChannel(host: "127.0.0.1", port: t.endpoint("graph")!.grpcPort)
            defer { ranker.close(); graph.close() }

            // -- cold item: raw features + KG links + interactions through AddInteractions.
            let template = Int(ds.split.trainItems[0])
            let fans = ColdItem.fans(of: template, in: ds, limit: 3)
            let coldItem = ColdItem.newItem("cold-e2e-1", like: template, in: ds)
            let request = Kgrec_V1_AddInteractionsRequest(newItems: [coldItem], interactions: fans.map {
                Kgrec_V1_Interaction(userId: $0, itemId: "cold-e2e-1", timestamp: 1_700_000_000)
            })
            let unauthenticated = await #expect(throws: RPCError.self) {
                _ = try await graph.unary(Kgrec_V1_Graph.Method.addInteractions, request: request,
                                          responseType: Kgrec_V1_AddInteractionsResponse.self, options: opts)
            }
            #expect(unauthenticated?.code == .unauthenticated)
            var auth = opts
            auth.metadata.add("authorization", "Bearer e2e-secret")
            let ack = try await graph.unary(Kgrec_V1_Graph.Method.addInteractions, request: request,
                                            responseType: Kgrec_V1_AddInteractionsResponse.self, options: auth).message
            #expect(ack.acceptedItems == 1)
            #expect(ack.acceptedInteractions == UInt32(fans.count))

            let probe = (0..<ds.userCount).map { ds.users[$0] }.first { !fans.contains($0) }!
            var coldScore: Kgrec_V1_ScoredItem?
            for _ in 0..<100 where coldScore == nil {  // the ranker picks up the new version by itself
                let s = try await ranker.unary(Kgrec_V1_Ranker.Method.score, request: Kgrec_V1_ScoreRequest(userId: probe, itemIds: ["cold-e2e-1"]),
                                               responseType: Kgrec_V1_ScoreResponse.self, options: opts).message
                if s.unknownItemIds.isEmpty, let it = s.items.first { coldScore = it } else { try await Task.sleep(for: .milliseconds(100)) }
            }
            let scored = try #require(coldScore, "the ranker never scored the cold item")
            let emb = try await graph.unary(Kgrec_V1_Graph.Method.getEmbeddings,
                                            request: Kgrec_V1_GetEmbeddingsRequest(userIds: [probe], itemIds: ["cold-e2e-1"]),
                                            responseType: Kgrec_V1_GetEmbeddingsResponse.self, options: opts).message
            #expect(emb.version >= ack.version)
            #expect(Self.close(scored.score, Self.dot(try #require(emb.users.first), try #require(emb.items.first))))
            let all = try await ranker.unary(Kgrec_V1_Ranker.Method.recommend, request: Kgrec_V1_RecommendRequest(userId: probe, k: UInt32(ds.itemCount + 1)),
                                             responseType: Kgrec_V1_RecommendResponse.self, options: opts).message
            #expect(all.items.contains { $0.itemId == "cold-e2e-1" }, "Recommend over the whole catalogue lacks the cold item")

            // -- fault: the graph dies (SIGKILL) while a ScoreStream is open.
            let stream = ranker.bidiStreaming(Kgrec_V1_Ranker.Method.scoreStream, requestType: Kgrec_V1_ScoreRequest.self,
                                              responseType: Kgrec_V1_ScoreResponse.self, options: CallOptions(timeout: .seconds(120)))
            let warm = Array(ds.users.tokens.prefix(5))
            for (n, u) in warm.enumerated() {
                try await stream.send(Kgrec_V1_ScoreRequest(userId: u, itemIds: Array(ds.items.tokens.prefix(20)), requestId: UInt64(n)))
                let r = try #require(try await stream.receive())
                #expect(r.error == nil && r.requestId == UInt64(n))
            }
            await t.stopOne("graph", hard: true)
            let clock = ContinuousClock()
            var outcomes: [String] = []
            let uncached = Array(ds.users.tokens.suffix(5))  // users the ranker has not cached
            for (n, u) in (warm + uncached).enumerated() {
                let id = UInt64(100 + n)
                let started = clock.now
                try await stream.send(Kgrec_V1_ScoreRequest(userId: u, itemIds: Array(ds.items.tokens.prefix(20)), requestId: id))
                let r = try #require(try await stream.receive(), "ScoreStream ended after the graph died")
                #expect(clock.now - started < .seconds(10), "no answer within the deadline")
                #expect(r.requestId == id)
                if let e = r.error {
                    // Only users the ranker has not cached may fail, and only with UNAVAILABLE.
                    #expect(!warm.contains(u), "cached user \(u) was not answered while the graph was down: \(e.code) \(e.message)")
                    #expect(e.code == Int32(StatusCode.unavailable.rawValue), "request for \(u) failed with \(e.code) \(e.message)")
                    outcomes.append("UNAVAILABLE")
                } else {
                    #expect(r.items.count == 20)
                    outcomes.append("OK")
                }
            }
            try? outcomes.joined(separator: " ").write(toFile: f.dir + "/fault-outcomes.txt", atomically: true, encoding: .utf8)
            // A unary call for an uncached user ends with UNAVAILABLE within its deadline.
            let unary = await #expect(throws: RPCError.self) {
                _ = try await ranker.unary(Kgrec_V1_Ranker.Method.recommend, request: Kgrec_V1_RecommendRequest(userId: uncached.last!, k: 5),
                                           responseType: Kgrec_V1_RecommendResponse.self, options: CallOptions(timeout: .seconds(3)))
            }
            #expect(unary?.code == .unavailable)

            // -- the graph comes back (same durable log): everything acknowledged is there, and the
            // ranker recovers on the same stream.
            try await t.restart("graph")
            let after = try await graph.unary(Kgrec_V1_Graph.Method.getEmbeddings,
                                              request: Kgrec_V1_GetEmbeddingsRequest(userIds: fans, itemIds: ["cold-e2e-1"]),
                                              responseType: Kgrec_V1_GetEmbeddingsResponse.self, options: opts).message
            #expect(after.unknownItemIds.isEmpty, "the acknowledged cold item was lost in the crash")
            #expect(after.version >= ack.version)
            var seen: [String: Set<String>] = [:]
            for try await batch in graph.serverStreaming(Kgrec_V1_Graph.Method.exportEmbeddings,
                                                         request: Kgrec_V1_ExportEmbeddingsRequest(batchSize: 64, includeUsers: true),
                                                         responseType: Kgrec_V1_EmbeddingBatch.self, options: opts) {
                for (u, s) in zip(batch.users, batch.seen) where fans.contains(u.id) { seen[u.id] = Set(s.itemIds) }
            }
            for fan in fans { #expect(seen[fan]?.contains("cold-e2e-1") == true, "interaction \(fan) → cold-e2e-1 lost") }
            var recovered = false
            for n in 0..<200 where !recovered {
                try await stream.send(Kgrec_V1_ScoreRequest(userId: uncached.first!, itemIds: ["cold-e2e-1"], requestId: UInt64(1000 + n)))
                let r = try #require(try await stream.receive())
                if r.error == nil, r.items.count == 1 { recovered = true } else { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(recovered, "the ranker did not recover after the graph came back")
            stream.closeSend()
            while try await stream.receive() != nil {}
        }
    }

    @Test func servicesDemoShowsRecommendationsAColdItemAndLatencies() async throws {
        let f = try await EndToEndFixture.shared.value
        var options = ServicesDemo.Options(checkpoint: f.checkpoint, stateDir: f.dir + "/demo")
        options.binDir = f.binDir
        options.streamRequests = 50
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        try await ServicesDemo.run(options) { lines.all.append($0) }
        let text = lines.all.joined(separator: "\n")
        try? text.write(toFile: f.dir + "/demo.txt", atomically: true, encoding: .utf8)
        #expect(lines.all.filter { $0.hasPrefix("top-5 for user") }.count == 3)
        #expect(text.contains("ScoreStream: 50 requests"))
        #expect(text.contains("0 per-request errors"))
        #expect(text.contains("ranked #"), "cold item not recommended: \(text)")
        #expect(text.contains("latency (client side, ms)"))
        #expect(text.contains("ranker stopped (exit 0)") && text.contains("encoder-0 stopped (exit 0)"))
    }

    static func dot(_ a: Kgrec_V1_Embedding, _ b: Kgrec_V1_Embedding) -> Float {
        func d(_ x: Kgrec_V1_Vector?, _ y: Kgrec_V1_Vector?) -> Float {
            guard let x, let y else { return 0 }
            return zip(x.values, y.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
        return d(a.vectors?.visual, b.vectors?.visual) + d(a.vectors?.text, b.vectors?.text)
    }
}
