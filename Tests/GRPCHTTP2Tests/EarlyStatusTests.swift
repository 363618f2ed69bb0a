import GRPCCore
import GRPCInterop
@testable import GRPCHTTP2
import Testing

@Suite struct EarlyStatusTests {
    @Test func statusBeforeTheClientFinishedSendingIsFollowedByResetNoError() async throws {
        let (server, _) = try startServer { $0.maxReceiveMessageSize = 10 }
        let c = try RawH2Client(port: server.port)
        // Client streaming, still open; the first message is too big.
        let id = c.request(path: "/test.Control/Sum", body: MessageFramer.framed([UInt8](repeating: 1, count: 11)), endStream: false)
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.grpcStatus == StatusCode.resourceExhausted.rawValue)
        #expect(r.resetCode == nil || r.resetCode == .noError)
        #expect(r.closed)
        await server.shutdown(grace: .zero)
    }
}
