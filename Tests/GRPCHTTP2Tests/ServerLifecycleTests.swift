import GRPCCore
@testable import GRPCHTTP2
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Idle, keepalive and shutdown behaviour.
@Suite struct ServerLifecycleTests {
    @Test func idleConnectionGetsGoAwayAndIsClosed() async throws {
        let (server, _) = try startServer { $0.idleTimeout = .milliseconds(100) }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Echo", body: MessageFramer.framed([1]))
        _ = try await c.runUntilClosed(stream: id)
        #expect(await c.runUntilConnectionClosed())
        #expect(c.goawayCode == .noError)
        await server.shutdown(grace: .zero)
    }

    @Test func unansweredKeepalivePingClosesTheConnection() async throws {
        let (server, _) = try startServer {
            $0.idleTimeout = nil
            $0.keepaliveInterval = .milliseconds(50)
            $0.keepaliveTimeout = .milliseconds(50)
        }
        let c = try RawH2Client(port: server.port)
        await c.pump()
        c.reading = false   // never sees the PING, never acks it
        var closed = false
        for _ in 0..<400 where !closed {
            try await Task.sleep(for: .milliseconds(5))
            closed = server.openConnections() == 0
        }
        #expect(closed)
        await server.shutdown(grace: .zero)
    }

    @Test func answeredKeepalivePingsKeepTheConnection() async throws {
        let (server, _) = try startServer {
            $0.idleTimeout = nil
            $0.keepaliveInterval = .milliseconds(20)
            $0.keepaliveTimeout = .milliseconds(500)
        }
        let c = try RawH2Client(port: server.port)
        for _ in 0..<10 { await c.pump(timeoutMs: 20) }   // nghttp2 acks PINGs itself
        #expect(!c.connectionClosed)
        let id = c.request(path: "/test.Control/Echo", body: MessageFramer.framed([1]))
        #expect(try await c.runUntilClosed(stream: id).grpcStatus == 0)
        await server.shutdown(grace: .zero)
    }

    @Test func gracefulShutdownLetsInFlightCallsFinish() async throws {
        let (server, service) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let call = Task {
            try await ch.unary(ControlService.m("Sleep"), request: RawMessage([20]), responseType: RawMessage.self)
        }
        #expect(await ControlService.waitFor(service.started, atLeast: 1))
        await server.shutdown(grace: .seconds(10))
        let r = try await call.value
        #expect(r.message.bytes == [20])
        do {
            _ = try await ch.unary(ControlService.m("Echo"), request: RawMessage([1]), responseType: RawMessage.self)
            Issue.record("expected UNAVAILABLE after shutdown")
        } catch let e as RPCError {
            #expect(e.code == .unavailable)
        }
        ch.close()
    }

    @Test func callsStillRunningAfterTheGracePeriodAreCancelled() async throws {
        let (server, service) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let call = Task {
            try await ch.unary(ControlService.m("Hang"), request: RawMessage([]), responseType: RawMessage.self)
        }
        #expect(await ControlService.waitFor(service.started, atLeast: 1))
        await server.shutdown(grace: .milliseconds(50))
        #expect(await ControlService.waitFor(service.cancellations, atLeast: 1))
        do {
            _ = try await call.value
            Issue.record("expected the call to fail")
        } catch let e as RPCError {
            #expect(e.code == .unavailable || e.code == .cancelled)
        }
        ch.close()
    }

    @Test func oneSignalSentRightAfterArmingStartsGracefulShutdown() async throws {
        let (server, _) = try startServer()
        let before = Atomic<Int>(0)
        try server.shutdownOnSignals([SIGUSR2], grace: .seconds(1)) { before.add(1, ordering: .relaxed) }
        // Armed on return: a single signal, sent at once, must be seen.
        kill(getpid(), SIGUSR2)
        for _ in 0..<500 where !server.isStopped { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.isStopped)
        #expect(before.load(ordering: .relaxed) == 1)
        #expect(server.openConnections() == 0)
    }

    @Test func unusableListenAddressIsARuntimeError() {
        let server = GRPCServer(router: RPCRouter(), config: {
            var c = ServerConfig(); c.host = "256.0.0.1"; c.eventLoops = 1; return c
        }())
        #expect(throws: RuntimeError.self) { try server.start() }
    }

    @Test func portAnotherServerListensOnIsARuntimeErrorDespiteReusePort() async throws {
        func config(_ port: Int) -> ServerConfig {
            var c = ServerConfig(); c.host = "127.0.0.1"; c.port = port; c.eventLoops = 2; return c
        }
        let first = GRPCServer(router: RPCRouter(), config: config(0))
        let port = try first.start()
        let second = GRPCServer(router: RPCRouter(), config: config(port))
        #expect(throws: RuntimeError.self) { try second.start() }
        await first.shutdown(grace: .zero)
        // Once the first server is gone the port is usable again.
        let third = GRPCServer(router: RPCRouter(), config: config(port))
        #expect(try third.start() == port)
        await third.shutdown(grace: .zero)
    }
}
