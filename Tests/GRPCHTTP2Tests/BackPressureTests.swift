import GRPCCore
@testable import GRPCHTTP2
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Flow control with real back-pressure: a handler that never reads throttles its client.
@Suite struct BackPressureTests {
    @Test func handlerThatNeverReadsStopsTheClientFromSending() async throws {
        let window = 65535, serverQueue = 64 << 10, clientQueue = 64 << 10
        let (server, service) = try startServer {
            $0.streamWindowSize = window
            $0.maxBufferedRequestBytesPerStream = serverQueue
        }
        var cc = ClientConfig()
        cc.maxBufferedRequestBytesPerCall = clientQueue
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port, config: cc)
        let call = ch.bidiStreaming(ControlService.m("Stall"), requestType: RawMessage.self, responseType: RawMessage.self)
        let sent = Atomic<Int>(0)
        let sender = Task {
            for _ in 0..<1000 {
                try await call.send(RawMessage([UInt8](repeating: 1, count: 10_000)))
                sent.add(1, ordering: .relaxed)
            }
        }
        #expect(await ControlService.waitFor(service.started, atLeast: 1))
        // Wait until the sender stops making progress.
        var last = -1
        for _ in 0..<200 where sent.load(ordering: .relaxed) != last {
            last = sent.load(ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(100))
        }
        let bound = window + serverQueue + clientQueue + 3 * 10_005
        #expect(last * 10_005 <= bound)
        #expect(last < 1000)
        call.cancel()
        _ = try? await sender.value
        ch.close()
        await server.shutdown(grace: .zero)
    }
}
