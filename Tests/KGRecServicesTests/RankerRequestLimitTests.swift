import GRPCCore
@testable import KGRecRankerService
import Synchronization
import Testing

/// Ids longer than `--max-id-bytes` are refused before the ranker asks the graph for anything.
@Suite struct RankerRequestLimitTests {
    @Test func overlongIdsAreInvalidArgumentAndNeverReachTheGraph() async throws {
        let h = try await RankerHarness.start { $0.maxIdBytes = 16 }
        let calls = h.graph.getCalls.load(ordering: .relaxed)
        let long = String(repeating: "u", count: 17)
        await #expect(throws: RPCError(.invalidArgument, "user_id: id of 17 bytes exceeds the limit of 16 bytes")) {
            try await h.score(long, ["i1"])
        }
        await #expect(throws: RPCError(.invalidArgument, "item_ids[1]: id of 17 bytes exceeds the limit of 16 bytes")) {
            try await h.score("u1", ["i1", long])
        }
        await #expect(throws: RPCError(.invalidArgument, "user_id: id of 17 bytes exceeds the limit of 16 bytes")) {
            try await h.recommend(long, k: 3)
        }
        #expect(h.graph.getCalls.load(ordering: .relaxed) == calls)
        await h.stop()
    }
}
