import GRPCCore
@testable import GRPCHTTP2
import Synchronization
import Testing

/// A task handler outlives its connection: it takes its request message only after the client
/// has gone and the server has dropped the connection. The stream's bookkeeping for that message
/// (posted to the event loop) must not touch the freed connection; the server keeps serving.
/// (Found under `h2load -D`, which closes its connections with calls in flight: the ranker
/// aborted with "Attempted to read an unowned reference".)
@Suite struct HandlerAfterConnectionCloseTests {
    static let method = MethodDescriptor(service: "test.Late", method: "Take")

    final class Probe: Sendable {
        let started = Atomic(0)
        let took = Atomic(0)
    }

    @Test func aHandlerTakingItsMessageAfterTheConnectionClosedLeavesTheServerServing() async throws {
        let probe = Probe()
        var router = RPCRouter()
        router.register(Self.method, .task(.unary) { io, _ in
            probe.started.add(1, ordering: .relaxed)
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(2)) }  // the connection closes
            try? await Task.sleep(for: .milliseconds(50))                             // and is freed
            if (try? await io.receive()) != nil { probe.took.add(1, ordering: .relaxed) }
        })
        router.register(MethodDescriptor(service: "test.Late", method: "Echo"), .inlineUnary { r, _ in Array(r) })
        let server = GRPCServer(router: router, config: loopbackConfig())
        try server.start()
        for round in 1...3 {
            var c: RawH2Client? = try RawH2Client(port: server.port)
            for _ in 0..<4 { _ = c!.request(path: Self.method.path, body: MessageFramer.framed([1, 2, 3])) }
            for _ in 0..<100 where probe.started.load(ordering: .relaxed) < 4 * round { await c!.pump() }
            #expect(probe.started.load(ordering: .relaxed) == 4 * round)
            c = nil  // closes the socket with the four calls in flight
            for _ in 0..<200 where probe.took.load(ordering: .relaxed) < 4 * round { try await Task.sleep(for: .milliseconds(5)) }
            #expect(probe.took.load(ordering: .relaxed) == 4 * round)
        }
        try await Task.sleep(for: .milliseconds(20))  // the loop has run what the handlers posted
        let channel = GRPCChannel(host: "127.0.0.1", port: server.port)
        let echo = try await channel.unary(MethodDescriptor(service: "test.Late", method: "Echo"),
                                           request: RawMessage([9]), responseType: RawMessage.self).message
        #expect(echo.bytes == [9])
        channel.close()
        await server.shutdown(grace: .zero)
    }
}
