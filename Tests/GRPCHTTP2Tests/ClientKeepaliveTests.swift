import GRPCCore
@testable import GRPCHTTP2
import KGRecPOSIX
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite struct ClientKeepaliveTests {
    @Test func silentServerIsDetectedByKeepaliveAndCallsFailUnavailable() async throws {
        // A TCP listener that never accepts: the handshake completes, nothing ever answers.
        let (lfd, port) = try TCPSocket.listen(host: "127.0.0.1", port: 0, backlog: 16)
        defer { close(lfd) }
        var cc = ClientConfig()
        cc.keepaliveInterval = .milliseconds(50)
        cc.keepaliveTimeout = .milliseconds(100)
        let ch = GRPCChannel(host: "127.0.0.1", port: Int(port), config: cc)
        do {
            _ = try await ch.unary(ControlService.m("Echo"), request: RawMessage([1]), responseType: RawMessage.self)
            Issue.record("expected UNAVAILABLE")
        } catch let e as RPCError {
            #expect(e.code == .unavailable)
            #expect((e.cause as? TransportError)?.code == .keepaliveTimedOut)
        }
        ch.close()
    }

    @Test func answeredPingsKeepALongCallAlive() async throws {
        let (server, _) = try startServer()
        var cc = ClientConfig()
        cc.keepaliveInterval = .milliseconds(20)
        cc.keepaliveTimeout = .seconds(5)
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port, config: cc)
        let r = try await ch.unary(ControlService.m("Sleep"), request: RawMessage([20]), responseType: RawMessage.self)
        #expect(r.message.bytes == [20])
        ch.close()
        await server.shutdown(grace: .zero)
    }
}
