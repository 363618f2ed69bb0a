import GRPCCore
@testable import KGRecRankerService
import Synchronization
import Testing

@Suite("Ranker retry policy")
struct RankerRetryPolicyTests {
    let policy = RetryPolicy(attempts: 4, backoff: .milliseconds(10), maxBackoff: .milliseconds(30))

    @Test func backoffDoublesUpToTheCapWithJitterNeverBelowHalf() {
        #expect(policy.delay(afterAttempt: 1, jitter: 1) == .milliseconds(10))
        #expect(policy.delay(afterAttempt: 2, jitter: 1) == .milliseconds(20))
        #expect(policy.delay(afterAttempt: 3, jitter: 1) == .milliseconds(30))
        #expect(policy.delay(afterAttempt: 9, jitter: 1) == .milliseconds(30))
        #expect(policy.delay(afterAttempt: 2, jitter: 0) == .milliseconds(10))
        #expect(policy.delay(afterAttempt: 2, jitter: 0.5) == .milliseconds(15))
    }

    @Test func retriesOnlyUnavailableAndAtMostTheConfiguredAttempts() async {
        let calls = Atomic<Int>(0)
        await #expect(throws: RPCError(.unavailable, "down")) {
            try await policy.run(deadline: .now + .seconds(10)) { _ -> Int in
                calls.add(1, ordering: .relaxed)
                throw RPCError(.unavailable, "down")
            }
        }
        #expect(calls.load(ordering: .relaxed) == 4)

        calls.store(0, ordering: .relaxed)
        await #expect(throws: RPCError(.notFound, "no")) {
            try await policy.run(deadline: .now + .seconds(10)) { _ -> Int in
                calls.add(1, ordering: .relaxed)
                throw RPCError(.notFound, "no")
            }
        }
        #expect(calls.load(ordering: .relaxed) == 1)
    }

    @Test func succeedsWhenALaterAttemptWorks() async throws {
        let calls = Atomic<Int>(0)
        let v = try await policy.run(deadline: .now + .seconds(10)) { _ -> Int in
            if calls.add(1, ordering: .relaxed).newValue < 3 { throw RPCError(.unavailable, "down") }
            return 7
        }
        #expect(v == 7 && calls.load(ordering: .relaxed) == 3)
    }

    @Test func doesNotWaitPastTheDeadline() async {
        let slow = RetryPolicy(attempts: 10, backoff: .seconds(60), maxBackoff: .seconds(60))
        let calls = Atomic<Int>(0)
        await #expect(throws: RPCError(.unavailable, "down")) {
            try await slow.run(deadline: .now + .seconds(5)) { _ -> Int in
                calls.add(1, ordering: .relaxed)
                throw RPCError(.unavailable, "down")
            }
        }
        #expect(calls.load(ordering: .relaxed) == 1)
    }
}
