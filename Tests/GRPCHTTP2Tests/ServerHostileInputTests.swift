import GRPCCore
@testable import GRPCHTTP2
import KGRecPOSIX
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Inputs meant to break or exhaust the server: each must end in a clean status or a clean
/// connection close, and the server must keep serving others.
@Suite struct ServerHostileInputTests {
    /// A normal call on a fresh connection: proof the server is still healthy.
    func stillServes(_ server: GRPCServer) async throws {
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let r = try await ch.unary(ControlService.m("Echo"), request: RawMessage([42]), responseType: RawMessage.self)
        #expect(r.message.bytes == [42])
        ch.close()
    }

    @Test func garbageInsteadOfThePrefaceClosesTheConnection() async throws {
        let (server, _) = try startServer()
        let c = try RawH2Client(port: server.port, sendPreface: false)
        c.writeRaw(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + [UInt8](repeating: 0xff, count: 100))
        #expect(await c.runUntilConnectionClosed())
        try await stillServes(server)
        await server.shutdown(grace: .zero)
    }

    @Test func malformedFrameGetsGoAwayAndClose() async throws {
        let (server, _) = try startServer()
        let c = try RawH2Client(port: server.port, sendPreface: false)
        // Preface, then a SETTINGS frame whose length (5) is not a multiple of 6.
        c.writeRaw(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5])
        #expect(await c.runUntilConnectionClosed())
        try await stillServes(server)
        await server.shutdown(grace: .zero)
    }

    @Test func truncatedFrameThenHangUpLeavesNoConnectionBehind() async throws {
        let (server, _) = try startServer()
        do {
            let c = try RawH2Client(port: server.port, sendPreface: false)
            // Preface and a HEADERS frame header announcing 100 bytes, then only 3 of them.
            c.writeRaw(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]
                       + [0, 0, 100, 1, 4, 0, 0, 0, 1, 1, 2, 3])
            await c.pump()
        }
        var closed = false
        for _ in 0..<400 where !closed {
            closed = server.openConnections() == 0
            if !closed { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(closed)
        try await stillServes(server)
        await server.shutdown(grace: .zero)
    }

    @Test func rapidResetGetsGoAwayEnhanceYourCalm() async throws {
        let (server, _) = try startServer { $0.maxResetsPerWindow = 20; $0.resetWindow = .seconds(60) }
        let c = try RawH2Client(port: server.port)
        for _ in 0..<10 {
            var ids: [Int32] = []
            for _ in 0..<10 { ids.append(c.request(path: "/test.Control/Bidi", body: [], endStream: false)) }
            await c.pump(timeoutMs: 1)
            for id in ids { c.reset(stream: id) }
            await c.pump(timeoutMs: 1)
            if c.connectionClosed { break }
        }
        #expect(await c.runUntilConnectionClosed())
        #expect(c.goawayCode == .enhanceYourCalm)
        try await stillServes(server)
        await server.shutdown(grace: .zero)
    }

    @Test func headerFloodIsRefusedWithResourceExhausted() async throws {
        let (server, _) = try startServer { $0.maxHeaderListSize = 4096 }
        let c = try RawH2Client(port: server.port)
        let flood = (0..<100).map { ("x-flood-\($0)", String(repeating: "v", count: 100)) }
        let id = c.request(path: "/test.Control/Echo", extraHeaders: flood, body: MessageFramer.framed([]))
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.grpcStatus == StatusCode.resourceExhausted.rawValue)
        try await stillServes(server)
        await server.shutdown(grace: .zero)
    }

    @Test func streamsBeyondTheConcurrencyLimitAreRefused() async throws {
        let (server, _) = try startServer { $0.maxConcurrentStreams = 3 }
        let c = try RawH2Client(port: server.port)
        // Sent before the server's SETTINGS arrive, so the client does not hold them back.
        let ids = (0..<5).map { _ in c.request(path: "/test.Control/Stall", body: [], endStream: false) }
        for _ in 0..<20 { await c.pump() }
        let refused = ids.filter { c.streams[$0]?.resetCode == .refusedStream }
        #expect(refused.count == 2)
        #expect(c.serverSetting(.maxConcurrentStreams) == 3)
        await server.shutdown(grace: .zero)
    }

    @Test func connectionsBeyondTheLimitAreClosed() async throws {
        let (server, _) = try startServer { $0.maxConnections = 2 }
        let a = try RawH2Client(port: server.port), b = try RawH2Client(port: server.port)
        for c in [a, b] {
            let id = c.request(path: "/test.Control/Echo", body: MessageFramer.framed([1]))
            #expect(try await c.runUntilClosed(stream: id).grpcStatus == 0)
        }
        let extra = try RawH2Client(port: server.port)
        extra.request(path: "/test.Control/Echo", body: MessageFramer.framed([1]))
        #expect(await extra.runUntilConnectionClosed())
        #expect(server.openConnections() == 2)
        await server.shutdown(grace: .zero)
    }

    @Test func clientThatNeverReadsCannotMakeTheServerBufferWithoutBound() async throws {
        let perStream = 64 << 10, perConnection = 128 << 10
        let (server, _) = try startServer {
            $0.maxBufferedResponseBytesPerStream = perStream
            $0.maxBufferedOutputBytesPerConnection = perConnection
        }
        // Huge windows so flow control does not stop the server: only our own bounds can.
        let c = try RawH2Client(port: server.port,
                                openWindows: true)
        c.reading = false
        // 8 streams × 100 messages × 100 KB = 80 MB requested.
        let streams = 8
        for _ in 0..<streams {
            c.request(path: "/test.Control/Count", body: MessageFramer.framed([100, 0x01, 0x86, 0xa0]))
        }
        for _ in 0..<10 { await c.pump(timeoutMs: 10) }
        // Let the server run until it stalls.
        var last = -1, now = await server.bufferedResponseBytes()
        for _ in 0..<200 where now != last {
            try await Task.sleep(for: .milliseconds(50))
            last = now
            now = await server.bufferedResponseBytes()
        }
        let bound = perConnection + 16 << 10 + streams * (perStream + 100_005)
        #expect(now <= bound)
        try await stillServes(server)
        await server.shutdown(grace: .zero)
    }
}

/// A connection that is going to close reads nothing more while its last output waits for the
/// peer: a peer that stops reading cannot keep the server busy feeding a finished session.
@Suite struct ServerReadStopTests {
    enum Ending: String, CaseIterable, CustomTestStringConvertible {
        /// DATA on stream 0: nghttp2 answers GOAWAY(PROTOCOL_ERROR) itself and stops wanting to read.
        case connectionError
        /// 64 KB of PINGs whose ACKs are never read: nghttp2 reports a flood, we decide to close.
        case pingFlood
        var testDescription: String { rawValue }
    }

    @Test(arguments: Ending.allCases)
    func closingConnectionReadsNothingMoreWhileItsOutputWaits(_ ending: Ending) async throws {
        let (server, _) = try startServer {
            $0.keepaliveInterval = .seconds(60)
            $0.keepaliveTimeout = .seconds(60)
            $0.maxBufferedOutputBytesPerConnection = 64 << 20
        }
        let c = try RawH2Client(port: server.port,
                                openWindows: true)
        c.reading = false
        // 10 × 2 MB of responses, more than the sockets hold: the rest waits in the server.
        for _ in 0..<10 { c.request(path: "/test.Control/Big", body: MessageFramer.framed(bigEndian(2_000_000))) }
        for _ in 0..<10 { await c.pump(timeoutMs: 10) }
        var last = -1, now = await server.bufferedResponseBytes()
        for _ in 0..<200 where now != last || now == 0 {
            try await Task.sleep(for: .milliseconds(20))
            last = now
            now = await server.bufferedResponseBytes()
        }
        #expect(now > 0)
        switch ending {
        case .connectionError:
            c.writeRaw([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        case .pingFlood:
            let ping: [UInt8] = [0, 0, 8, 6, 0, 0, 0, 0, 0] + [UInt8](repeating: 1, count: 8)
            c.writeRaw(Array([[UInt8]](repeating: ping, count: 64 << 10 / ping.count).joined()))
        }
        try await Task.sleep(for: .milliseconds(100))
        // Offer 128 MB more; a server still reading takes all of it, one that stopped only what
        // the two sockets' buffers hold (about 4 MB seen here; at most tcp_rmem's 32 MiB plus
        // tcp_wmem's 4 MiB on this kernel's settings).
        let offered = 128 << 20
        final class Count: @unchecked Sendable { var bytes = 0 }
        let accepted = Count()
        await offThread {
            let junk = [UInt8](repeating: 0, count: 1 << 16)
            while accepted.bytes < offered {
                let w = junk.withUnsafeBytes { TCPSocket.send(c.fd, $0.baseAddress, count: $0.count) }
                if w > 0 { accepted.bytes += w; continue }
                var pfd = pollfd(fd: c.fd, events: Int16(POLLOUT), revents: 0)
                if poll(&pfd, 1, 300) <= 0 { break }
            }
        }
        #expect(accepted.bytes < 48 << 20, "the closing connection went on reading: \(accepted.bytes) of \(offered) bytes taken")
        #expect(server.openConnections() == 1)
        await server.shutdown(grace: .zero)
    }
}
