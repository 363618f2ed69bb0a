import GRPCCore
import GRPCHTTP2
@testable import KGRecGraphService
import KGRecWire
import KGRecServing
import Foundation
import Testing

/// Limits on what one client request may make the graph service hold or build.
@Suite struct GraphRequestLimitTests {
    func status(_ body: () async throws -> Void) async -> (StatusCode?, String) {
        do { try await body(); return (nil, "") } catch let e as RPCError { return (e.code, e.message) } catch {
            return (nil, "\(error)")
        }
    }

    @Test func getEmbeddingsRefusesRepeatedTooManyAndOverlongIdsAndOversizedAnswers() async throws {
        let h = try await GraphHarness(fixture: ServingFixture()) { options, config in
            options.maxIds = 64
            options.maxIdBytes = 32
            config.maxSendMessageSize = 6000
        }
        let d = h.fixture.dataset
        let repeated = await status { _ = try await h.get(users: [d.users[0], d.users[1], d.users[0]]) }
        #expect(repeated.0 == .invalidArgument && repeated.1.contains("user_ids[2]") && repeated.1.contains("repeated"))
        let many = await status { _ = try await h.get(items: (0..<65).map { "no-such-\($0)" }) }
        #expect(many.0 == .invalidArgument && many.1.contains("65 ids") && many.1.contains("64"))
        let long = await status { _ = try await h.get(items: [String(repeating: "x", count: 33)]) }
        #expect(long.0 == .invalidArgument && long.1.contains("item_ids[0]") && long.1.contains("32"))
        // Enough known items that their answer passes 6000 bytes: refused before it is built.
        let one = try await h.get(items: [d.items[0]]).serializedBytes().count
        let n = 6000 / one + 2
        try #require(n <= min(64, d.items.count))
        let big = await status { _ = try await h.get(items: (0..<n).map { d.items[$0] }) }
        #expect(big.0 == .resourceExhausted && big.1.contains("6000"))
        // Within every limit: answered, and unknown ids cost no vector.
        let ok = try await h.get(users: [d.users[0]], items: ["nope-1", "nope-2"])
        #expect(ok.users.count == 1 && ok.unknownItemIds == ["nope-1", "nope-2"])
        await h.stop()
    }

    @Test func addInteractionsRefusesOverlongIdsAndExistingItems() async throws {
        let h = try await GraphHarness(fixture: ServingFixture()) { options, _ in options.maxIdBytes = 32 }
        var long = h.coldItemRequest(user: String(repeating: "u", count: 40))
        let r1 = await status { _ = try await h.add(long) }
        #expect(r1.0 == .invalidArgument && r1.1.contains("user_id") && r1.1.contains("32"))
        long = h.coldItemRequest()
        long.newItems[0].itemId = h.fixture.dataset.items[0]
        #expect(await status { _ = try await h.add(long) }.0 == .alreadyExists)
        await h.stop()
    }

    @Test func addInteractionsRefusesAnIdWithAnEmbeddedNULInsteadOfCuttingIt() async throws {
        let h = try await GraphHarness(fixture: ServingFixture())
        // interactions[0] = {user_id: "u\0x", item_id: <a known item>}, hand-encoded: the Swift encoder
        // cannot send a NUL (protobuf-c packs strings by strlen).
        let item = Array(h.fixture.dataset.items[0].utf8)
        let interaction: [UInt8] = [0x0a, 0x03, 0x75, 0x00, 0x78, 0x12, UInt8(item.count)] + item
        let request = RawMessage([0x12, UInt8(interaction.count)] + interaction)
        let r = await status {
            _ = try await h.channel.unary(Kgrec_V1_Graph.Method.addInteractions, request: request,
                                          responseType: Kgrec_V1_AddInteractionsResponse.self)
        }
        #expect(r.0 == .invalidArgument && r.1.contains("kgrec.v1.Interaction.user_id") && r.1.contains("NUL"))
        // Nothing was applied: the cut id "u" is not a user.
        let after = try await h.get(users: ["u"])
        #expect(after.users.isEmpty)
        await h.stop()
    }

    @Test func updateQueueIsBoundedAndCancelledWaitersLeaveIt() async throws {
        let gate = UpdateGate(maxWaiting: 2)
        try await gate.acquire()   // the running update
        let a = Task { try await gate.acquire() }
        let b = Task { try await gate.acquire() }
        var waiting = 0
        for _ in 0..<2000 where waiting < 2 {
            await Task.yield()
            waiting = await gate.waiting
        }
        #expect(waiting == 2)
        let overflow = await status { try await gate.acquire() }
        #expect(overflow.0 == .resourceExhausted && overflow.1.contains("limit 2"))
        a.cancel()
        let cancelled = await status { try await a.value }
        #expect(cancelled.0 == .cancelled)
        #expect(await gate.waiting == 1)
        await gate.release()   // hands the gate to b
        try await b.value
        #expect(await gate.waiting == 0)
        await gate.release()
    }
}

/// The interaction log names its checkpoint; versions keep increasing across checkpoints.
@Suite struct GraphLogIdentityTests {
    @Test func anotherCheckpointsLogIsMovedAsideAndVersionsCountOnPastIt() async throws {
        let fixture = try ServingFixture()
        let path = (fixture.directory as NSString).appendingPathComponent("interactions.log")
        do {
            // A log written for another checkpoint that served up to version 5 + 1 + 2 = 8.
            let (log, _) = try DurableLog.open(path: path)
            try log.append(InteractionLogHeader(checkpoint: "multikg4rec-other", base: 5).record)
            try log.append([1, 2, 3])
            try log.append([4, 5, 6])
        }
        let h = try await GraphHarness(fixture: fixture)
        #expect(try await h.get(items: [fixture.dataset.items[0]]).version == 9)
        let ack = try await h.add(h.coldItemRequest())
        #expect(ack.version == 10)
        let aside = try FileManager.default.contentsOfDirectory(atPath: fixture.directory)
            .filter { $0.hasPrefix("interactions.log.multikg4rec-other.") }
        #expect(aside.count == 1)
        await h.stop()
        // Restart with the same checkpoint: the new log is replayed, the version stays.
        let again = try await GraphHarness(fixture: fixture)
        #expect(try await again.get(users: ["new-user-1"]).version == 10)
        await again.stop()
        let (_, replay) = try DurableLog.open(path: path)
        #expect(InteractionLogHeader(record: replay.records[0])?.base == 8 && replay.records.count == 2)
    }

    @Test func startUpCompactsALongLogKeepingStateAndVersions() async throws {
        let fixture = try ServingFixture()
        let compactAbove2: (inout GraphOptions, inout ServerConfig) -> Void = { o, _ in o.logCompactRecords = 2 }
        let users = (1...3).map { "new-user-\($0)" }, items = (1...3).map { "cold-\($0)" }
        let h = try await GraphHarness(fixture: fixture, configure: compactAbove2)
        for k in 0..<3 { _ = try await h.add(h.coldItemRequest(item: items[k], user: users[k])) }
        let before = try await h.get(users: users, items: items)
        #expect(before.version == 4)
        let seenBefore = try await h.export().flatMap(\.seen)
        await h.stop()
        // Restart: 3 update records > 2, merged into one; the header's base absorbs the other 2.
        let again = try await GraphHarness(fixture: fixture, configure: compactAbove2)
        let after = try await again.get(users: users, items: items)
        #expect(after.version == 4)
        #expect(after.users.map(\.id) == users && after.items.map(\.id) == items)
        let worst = zip(after.users + after.items, before.users + before.items)
            .flatMap { zip(GraphHarness.row($0), GraphHarness.row($1)).map { abs($0 - $1) } }.max()!
        #expect(worst < 1e-5)
        #expect(try await again.export().flatMap(\.seen) == seenBefore)  // same histories, same order
        #expect(try await again.add(again.coldItemRequest(item: "cold-4", user: "new-user-4")).version == 5)
        await again.stop()
        do {
            let (_, replay) = try DurableLog.open(path: again.logPath)
            #expect(replay.records.count == 3)  // header, the merged record, the update after it
            #expect(InteractionLogHeader(record: replay.records[0])?.base == 2)
        }
        // Below the threshold nothing is rewritten and the versions stay.
        let third = try await GraphHarness(fixture: fixture, configure: compactAbove2)
        #expect(try await third.get(users: ["new-user-4"]).version == 5)
        await third.stop()
    }
}
