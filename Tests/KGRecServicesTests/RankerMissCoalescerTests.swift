import GRPCCore
@testable import KGRecRankerService
import Synchronization
import Testing

@Suite("Ranker miss coalescer")
struct RankerMissCoalescerTests {
    /// A fetch that records its batches and blocks until released.
    final class Gate: Sendable {
        let batches = Mutex<[[String]]>([])
        let open = Atomic<Bool>(false)

        func fetch(_ users: [String]) async throws -> [String] {
            batches.withLock { $0.append(users) }
            while !open.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(2)) }
            return users
        }
    }

    @Test func missesArrivingDuringACallJoinTheNextBatchWithinTheMaxSize() async throws {
        let gate = Gate()
        let c = MissCoalescer<[String]>(maxBatch: 4, maxInFlight: 1) { users, _, _ in try await gate.fetch(users) }
        let deadline = ContinuousClock.now + .seconds(30)
        try await withThrowingTaskGroup(of: (String, [String]).self) { group in
            group.addTask { ("a", try await c.fetch(users: ["a"], items: [], deadline: deadline)) }
            while gate.batches.withLock({ $0.count }) == 0 { try await Task.sleep(for: .milliseconds(1)) }
            for u in ["b", "c", "d", "e", "f", "b"] {
                group.addTask { (u, try await c.fetch(users: [u], items: [], deadline: deadline)) }
            }
            // Let all six queue behind the first call, then release.
            try await Task.sleep(for: .milliseconds(50))
            gate.open.store(true, ordering: .releasing)
            for try await (u, got) in group { #expect(got.contains(u)) }
        }
        let batches = gate.batches.withLock { $0 }
        #expect(batches.first == ["a"])
        #expect(batches.dropFirst().allSatisfy { $0.count <= 4 })
        #expect(Set(batches.flatMap { $0 }) == ["a", "b", "c", "d", "e", "f"])
        #expect(batches.allSatisfy { Set($0).count == $0.count }, "an id is fetched once per batch")
        #expect(batches.count == 3)
    }

    @Test func aCancelledWaiterLeavesAtOnceAndTheOthersStillGetTheirResult() async throws {
        let gate = Gate()
        let c = MissCoalescer<[String]>(maxBatch: 8, maxInFlight: 1) { users, _, _ in try await gate.fetch(users) }
        let deadline = ContinuousClock.now + .seconds(30)
        let first = Task { try await c.fetch(users: ["a"], items: [], deadline: deadline) }
        while gate.batches.withLock({ $0.count }) == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let leaving = Task { try await c.fetch(users: ["x"], items: [], deadline: deadline) }
        let staying = Task { try await c.fetch(users: ["y"], items: [], deadline: deadline) }
        try await Task.sleep(for: .milliseconds(20))
        leaving.cancel()
        await #expect(throws: RPCError(.cancelled, "call cancelled")) { try await leaving.value }
        gate.open.store(true, ordering: .releasing)
        #expect(try await first.value == ["a"])
        #expect(try await staying.value.contains("y"))
    }

    @Test func aFailedFetchFailsEveryWaiterOfThatBatch() async {
        let c = MissCoalescer<Int>(maxBatch: 8, maxInFlight: 1) { _, _, _ in
            throw RPCError(.unavailable, "graph service unavailable: down")
        }
        await #expect(throws: RPCError(.unavailable, "graph service unavailable: down")) {
            try await c.fetch(users: ["a"], items: [], deadline: .now + .seconds(5))
        }
        #expect(c.inFlight == 0)
    }
}
