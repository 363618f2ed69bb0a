import GRPCCore
import GRPCInterop
@testable import GRPCHTTP2
import Testing

@Suite struct ServerTimeoutEdgeTests {
    @Test func largestGRPCTimeoutDoesNotWrapIntoAnExpiredDeadline() async throws {
        let (server, _) = try startServer()
        let c = try RawH2Client(port: server.port)
        for t in ["99999999H", "99999999S", "1n"] {
            let id = c.request(path: "/test.Control/AsyncEcho", extraHeaders: [("grpc-timeout", t)], body: MessageFramer.framed([5]))
            let r = try await c.runUntilClosed(stream: id)
            let expected: UInt8 = t == "1n" ? StatusCode.deadlineExceeded.rawValue : 0
            #expect(r.grpcStatus == expected, "\(t)")
        }
        await server.shutdown(grace: .zero)
    }
}
