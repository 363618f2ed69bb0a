import GRPCCore
@testable import GRPCHTTP2
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite struct ClientLimitTests {
    @Test func oversizedResponseHeadersFailTheCallWithResourceExhausted() async throws {
        let (server, _) = try startServer()
        var cc = ClientConfig()
        cc.maxResponseHeaderListSize = 1024
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port, config: cc)
        var md = Metadata()
        md.add("x-echo", String(repeating: "h", count: 2000))
        do {
            _ = try await ch.unary(ControlService.m("Metadata"), request: RawMessage([1]), responseType: RawMessage.self,
                                   options: CallOptions(metadata: md))
            Issue.record("expected RESOURCE_EXHAUSTED")
        } catch let e as RPCError {
            #expect(e.code == .resourceExhausted)
        }
        // The connection stays usable.
        let r = try await ch.unary(ControlService.m("Echo"), request: RawMessage([3]), responseType: RawMessage.self)
        #expect(r.message.bytes == [3])
        ch.close()
        await server.shutdown(grace: .zero)
    }
}
