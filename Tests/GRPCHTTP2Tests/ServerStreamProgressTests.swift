import GRPCCore
@testable import GRPCHTTP2
import Testing

/// A stream whose peer stops moving it on (sends no more of an open request, or grants no window
/// for a queued response) is reset after `streamProgressTimeout`; a handler that is merely slow is
/// not. Asserted as counters (open streams, buffered response bytes), not as elapsed time.
@Suite struct ServerStreamProgressTests {

    @Test func streamsWaitingOnASilentPeerAreCancelledAndTheirBuffersFreed() async throws {
        let (server, service) = try startServer {
            // Long enough that every stream is still open when counted below, also on a loaded machine.
            $0.streamProgressTimeout = .seconds(1)
            $0.keepaliveInterval = nil
        }
        let sender = try RawH2Client(port: server.port)
        // Requests that stop half-way: a client-streaming call with half a message, a unary call
        // with headers only, a unary call with half its message.
        var stalled = (0..<4).map { _ in
            sender.request(path: "/test.Control/Sum", body: [0, 0, 0, 0, 10, 1, 2], endStream: false)
        }
        stalled += (0..<4).map { _ in sender.request(path: "/test.Control/Echo", body: [], endStream: false) }
        stalled += (0..<4).map { _ in sender.request(path: "/test.Control/AsyncEcho", body: [0, 0, 0, 0, 9], endStream: false) }
        // A complete request whose handler takes long: the peer is not what it waits on.
        let slow = sender.request(path: "/test.Control/Hang", body: MessageFramer.framed([1]))
        // A peer that grants no window: its responses stay queued on the server.
        let reader = try RawH2Client(port: server.port, settings: [.initialWindowSize: 0])
        let pinned = (0..<4).map { k in
            reader.request(path: "/test.Control/\(k % 2 == 0 ? "Big" : "BigInline")", body: MessageFramer.framed(bigEndian(100_000)))
        }
        for _ in 0..<10 { await sender.pump(timeoutMs: 5); await reader.pump(timeoutMs: 5) }
        #expect(await ControlService.waitFor(service.started, atLeast: 1))
        #expect(await server.openStreams() == stalled.count + 1 + pinned.count)
        for _ in 0..<400 {
            let done = stalled.allSatisfy { sender.streams[$0]?.closed == true }
                && pinned.allSatisfy { reader.streams[$0]?.closed == true }
            if done { break }
            await sender.pump(timeoutMs: 10)
            await reader.pump(timeoutMs: 10)
        }
        let cancel = HTTP2ErrorCode.cancel
        #expect(stalled.allSatisfy { sender.streams[$0]?.resetCode == cancel })
        #expect(pinned.allSatisfy { reader.streams[$0]?.resetCode == cancel })
        #expect(sender.streams[slow]?.closed == false)
        #expect(await server.openStreams() == 1)
        #expect(await server.bufferedResponseBytes() == 0)
        // Both connections stay up and serve.
        let echo = sender.request(path: "/test.Control/Echo", body: MessageFramer.framed([3]))
        #expect(try await sender.runUntilClosed(stream: echo).grpcStatus == 0)
        #expect(!sender.connectionClosed && !reader.connectionClosed && server.openConnections() == 2)
        sender.reset(stream: slow)
        await sender.pump(timeoutMs: 10)
        await server.shutdown(grace: .zero)
    }

    @Test func withoutATimeoutAStalledStreamStaysOpen() async throws {
        let (server, _) = try startServer { $0.streamProgressTimeout = nil; $0.keepaliveInterval = .milliseconds(50) }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Echo", body: [], endStream: false)
        for _ in 0..<40 { await c.pump(timeoutMs: 10) }
        #expect(c.streams[id]?.closed == false)
        #expect(await server.openStreams() == 1)
        await server.shutdown(grace: .zero)
    }
}
