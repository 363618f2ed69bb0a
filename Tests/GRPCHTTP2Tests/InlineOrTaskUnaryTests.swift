import GRPCCore
@testable import GRPCHTTP2
import Synchronization
import Testing

/// `RPCRouter.unary(_:inline:_:)`: a call the inline closure answers never starts a task; one it
/// declines (nil) runs the task closure with the same request, with the task path's deadline.
@Suite struct InlineOrTaskUnaryTests {
    static let method = MethodDescriptor(service: "test.InlineOrTask", method: "Echo")

    final class Counts: Sendable {
        let inline = Atomic(0)
        let declined = Atomic(0)
        let tasks = Atomic(0)
    }

    /// Request byte 0: 0 = answer inline, 1 = decline (the task echoes), 2 = decline and the task
    /// waits until cancelled. The answer is the request with a last byte saying who answered.
    static func server(_ counts: Counts) throws -> GRPCServer {
        var router = RPCRouter()
        router.unary(method, inline: { (r: RawMessage, _) -> RawMessage? in
            guard r.bytes.first == 0 else {
                counts.declined.add(1, ordering: .relaxed)
                return nil
            }
            counts.inline.add(1, ordering: .relaxed)
            return RawMessage(r.bytes + [0xA])
        }) { (r: RawMessage, _) in
            counts.tasks.add(1, ordering: .relaxed)
            if r.bytes.first == 2 {
                while !Task.isCancelled { try await Task.sleep(for: .milliseconds(5)) }
            }
            return RawMessage(r.bytes + [0xB])
        }
        let server = GRPCServer(router: router, config: loopbackConfig())
        try server.start()
        return server
    }

    @Test func answeredInlineWithoutATaskAndDeclinedCallsRunTheTaskWithTheSameRequest() async throws {
        let counts = Counts()
        let server = try Self.server(counts)
        let channel = GRPCChannel(host: "127.0.0.1", port: server.port)
        for round in 0..<20 {
            let kind = UInt8(round % 2)
            let request = RawMessage([kind, UInt8(round), 7, 9])
            let r = try await channel.unary(Self.method, request: request, responseType: RawMessage.self).message
            #expect(r.bytes == request.bytes + [kind == 0 ? 0xA : 0xB])
        }
        #expect(counts.inline.load(ordering: .relaxed) == 10)
        #expect(counts.declined.load(ordering: .relaxed) == 10)
        #expect(counts.tasks.load(ordering: .relaxed) == 10)
        channel.close()
        await server.shutdown(grace: .zero)
    }

    /// The server's own deadline (a raw client that sets grpc-timeout and never gives up itself).
    @Test func aDeclinedCallStillEndsAtItsDeadline() async throws {
        let counts = Counts()
        let server = try Self.server(counts)
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: Self.method.path, extraHeaders: [("grpc-timeout", "50m")], body: MessageFramer.framed([2]))
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.grpcStatus == StatusCode.deadlineExceeded.rawValue)
        #expect(counts.tasks.load(ordering: .relaxed) == 1)
        await server.shutdown(grace: .zero)
    }
}
