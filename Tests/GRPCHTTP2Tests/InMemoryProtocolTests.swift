import GRPCCore
@testable import GRPCHTTP2
import Synchronization
import Testing

/// Tier 1: an nghttp2 client session talking to the server connection in memory (no socket, no
/// loop thread; `InMemoryConnection`), so the HTTP/2 and gRPC exchange is exactly the bytes fed;
/// the client is a raw nghttp2 session, or the production `ClientConnection` with its calls.
@Suite struct InMemoryProtocolTests {
    @Test func unaryCallAnswersOKWithTheEchoedMessage() async throws {
        let h = try InMemoryConnection()
        for path in ["/test.Control/Echo", "/test.Control/AsyncEcho"] {   // inline and task handlers
            let id = h.client.request(path: path, body: MessageFramer.framed([4, 2]))
            let r = try await h.runUntilClosed(stream: id)
            #expect(r.httpStatus == 200)
            #expect(r.data == MessageFramer.framed([4, 2]))
            #expect(r.grpcStatus == 0 && r.resetCode == nil)
        }
    }

    @Test func serverStreamingCallSendsEveryMessageThenOK() async throws {
        let h = try InMemoryConnection()
        let id = h.client.request(path: "/test.Control/Count", body: MessageFramer.framed([3, 0, 0, 2]))
        let r = try await h.runUntilClosed(stream: id)
        #expect(r.data == MessageFramer.framed([0, 0]) + MessageFramer.framed([1, 1]) + MessageFramer.framed([2, 2]))
        #expect(r.grpcStatus == 0 && r.trailers.contains { $0.0 == "grpc-status" })
    }

    @Test func unknownMethodOrServiceIsUnimplementedInOneHeaderBlock() async throws {
        let h = try InMemoryConnection()
        for path in ["/test.Control/Nope", "/test.Nope/Echo"] {
            let id = h.client.request(path: path, body: MessageFramer.framed([1]))
            let r = try await h.runUntilClosed(stream: id)
            #expect(r.httpStatus == 200)
            #expect(r.grpcStatus == StatusCode.unimplemented.rawValue)
            #expect(r.data.isEmpty && r.trailers.isEmpty)   // trailers-only
        }
    }

    @Test func clientResetMidCallFreesTheStreamAndCancelsTheHandler() async throws {
        let h = try InMemoryConnection()
        let id = h.client.request(path: "/test.Control/Bidi", body: MessageFramer.framed([9]), endStream: false)
        #expect(await h.run { h.client.streams[id]?.data == MessageFramer.framed([9]) })
        #expect(h.server.streams.count == 1)
        h.client.reset(stream: id, code: .cancel)
        #expect(await h.run { h.server.streams.isEmpty && h.service.cancellations.load(ordering: .relaxed) == 1 })
        #expect(h.server.bufferedRequestBytes == 0)
        // The connection goes on: the next call on it completes.
        let next = h.client.request(path: "/test.Control/Echo", body: MessageFramer.framed([1]))
        let r = try await h.runUntilClosed(stream: next)
        #expect(r.grpcStatus == 0 && r.data == MessageFramer.framed([1]))
    }

    @Test func requestMessageOverTheReceiveLimitIsResourceExhausted() async throws {
        let h = try InMemoryConnection { $0.maxReceiveMessageSize = 4 }
        for path in ["/test.Control/Echo", "/test.Control/AsyncEcho"] {
            let atLimit = h.client.request(path: path, body: MessageFramer.framed([1, 2, 3, 4]))
            let ok = try await h.runUntilClosed(stream: atLimit)
            #expect(ok.grpcStatus == 0 && ok.data == MessageFramer.framed([1, 2, 3, 4]))
            let over = h.client.request(path: path, body: MessageFramer.framed([1, 2, 3, 4, 5]))
            let r = try await h.runUntilClosed(stream: over)
            #expect(r.grpcStatus == StatusCode.resourceExhausted.rawValue)
            #expect(r.data.isEmpty)
        }
    }

    @Test func everyCallShapeCompletesWhenBytesArriveOneAtATime() async throws {
        let h = try InMemoryConnection()
        h.chunk = 1   // preface, SETTINGS, HEADERS, DATA and the answers, one byte per receive
        for (id, answer) in requestEveryCallShape(on: h.client) {
            let r = try await h.runUntilClosed(stream: id)
            #expect(r.data == answer)
            #expect(r.grpcStatus == 0 && r.resetCode == nil)
        }
        #expect(h.server.streams.isEmpty)
    }

    @Test func theProductionClientConnectionCompletesUnaryCallsInMemory() async throws {
        let h = try InMemoryConnection(clientConfig: ClientConfig())
        for method in ["Echo", "AsyncEcho"] {   // inline and task handlers
            let call = h.call(ControlService.m(method))
            call.start()
            call.sendOnly([4, 2])
            async let reply = call.receive()
            let finished = await h.run { call.finished }
            #expect(finished)
            if !finished {   // fail instead of waiting forever for the reply
                call.cancel()
                await h.run { call.finished }
            }
            #expect(try await reply == [4, 2])
            let (status, _) = await call.finalStatus()
            #expect(status.code == .ok)
        }
        #expect(h.server.streams.isEmpty)
    }
}
