import GRPCCore
@testable import GRPCHTTP2
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite struct MixedLoadTests {
    @Test func interleavedInlineTaskAndStreamingCallsOnOneConnectionStayApart() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        try await withThrowingTaskGroup(of: Void.self) { g in
            for i in 0..<60 {
                g.addTask {
                    let tag = [UInt8(i), UInt8(i * 7 & 255)]
                    switch i % 3 {
                    case 0:
                        let r = try await ch.unary(ControlService.m("Echo"), request: RawMessage(tag), responseType: RawMessage.self)
                        #expect(r.message.bytes == tag)
                    case 1:
                        let r = try await ch.unary(ControlService.m("AsyncEcho"), request: RawMessage(tag), responseType: RawMessage.self)
                        #expect(r.message.bytes == tag)
                    default:
                        let b = ch.bidiStreaming(ControlService.m("Bidi"), requestType: RawMessage.self, responseType: RawMessage.self)
                        for k in 0..<5 {
                            try await b.send(RawMessage(tag + [UInt8(k)]))
                            #expect(try await b.receive()?.bytes == tag + [UInt8(k)])
                        }
                        b.closeSend()
                        #expect(try await b.receive() == nil)
                    }
                }
            }
            try await g.waitForAll()
        }
        ch.close()
        await server.shutdown(grace: .zero)
    }
}
