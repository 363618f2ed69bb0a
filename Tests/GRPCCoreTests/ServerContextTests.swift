import Testing
@testable import GRPCCore
import Synchronization

@Suite struct ServerContextTests {
    @Test func cancelRunsCallbacksOnceAndLateCallbacksImmediately() {
        let ctx = ServerContext(method: MethodDescriptor(service: "a.S", method: "M"))
        let count = Atomic<Int>(0)
        ctx.onCancel { count.add(1, ordering: .relaxed) }
        #expect(!ctx.isCancelled)
        ctx.cancel()
        ctx.cancel()
        #expect(ctx.isCancelled)
        #expect(count.load(ordering: .relaxed) == 1)
        ctx.onCancel { count.add(10, ordering: .relaxed) }
        #expect(count.load(ordering: .relaxed) == 11)
    }

    @Test func timeRemainingIsNilWithoutDeadlineAndNegativeAfterIt() {
        let m = MethodDescriptor(service: "a.S", method: "M")
        #expect(ServerContext(method: m).timeRemaining == nil)
        let past = ServerContext(method: m, deadlineNanoseconds: 1)
        #expect(past.timeRemaining! < .zero)
    }
}
