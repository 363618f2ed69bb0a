import GRPCCore
@testable import GRPCHTTP2
import Testing

/// A connection's timers hold it `unowned` (a weak reference would give it a side table and slow
/// every retain of it on the per-call path), so a timer must never run once the connection is
/// gone: `closeNow` cancels them, and so does `deinit` for a connection freed without closing.
@Suite struct ServerConnectionTimerTests {

    @Test func aConnectionFreedWithoutClosingLeavesNoTimerThatRunsOnIt() async throws {
        var config = ServerConfig()
        config.idleTimeout = .milliseconds(50)   // the periodic check is due after 25 ms
        config.keepaliveInterval = nil
        config.streamProgressTimeout = nil
        let shared = ServerShared(router: RPCRouter(), config: config)
        let loop = try EventLoop(name: "timer-test")
        let owner = try ServerLoopState(loop: loop, shared: shared, listenFD: -1)
        do {
            let connection = ServerConnection(io: .memory(MemoryByteSink()), loop: loop, shared: shared,
                                              owner: owner, peer: "in-memory")
            #expect(connection.start())
        }
        loop.runOnce()   // its first flush, which held the last strong reference
        #expect(loop.timerCount == 1)
        try await Task.sleep(for: .milliseconds(40))
        // The check timer is due: it must be dropped as cancelled, not run on the freed connection
        // (which would trap on the unowned reference).
        loop.runOnce()
        #expect(loop.timerCount == 0)
    }
}
