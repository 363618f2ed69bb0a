import GRPCCore
@testable import GRPCHTTP2
import CNGHTTP2
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Our client against our server, over loopback, all four call shapes.
@Suite struct GRPCChannelTests {
    let m = ControlService.m

    @Test func unaryInlineAndTaskEchoIncludingEmptyMessages() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        for method in ["Echo", "AsyncEcho"] {
            let r = try await ch.unary(m(method), request: RawMessage([1, 2, 3]), responseType: RawMessage.self)
            #expect(r.message.bytes == [1, 2, 3])
            let e = try await ch.unary(m(method), request: RawMessage([]), responseType: RawMessage.self)
            #expect(e.message.bytes == [])
        }
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func serverStreamingDeliversEveryMessageInOrder() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let call = ch.serverStreaming(m("Count"), request: RawMessage([50]), responseType: RawMessage.self)
        var got: [UInt8] = []
        for try await x in call { got.append(x.bytes[0]) }
        #expect(got == (0..<50).map { UInt8($0) })
        #expect(await call.status() == .ok)
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func clientStreamingSumsAllRequests() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let call = ch.clientStreaming(m("Sum"), requestType: RawMessage.self, responseType: RawMessage.self)
        for i in 0..<100 { try await call.send(RawMessage([UInt8(i), 1])) }
        let r = try await call.finish()
        let sum = r.message.bytes.reduce(0) { $0 << 8 | Int($1) }
        #expect(sum == (0..<100).reduce(0, +) + 100)
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func bidiPingPongInterleaves() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let call = ch.bidiStreaming(m("Bidi"), requestType: RawMessage.self, responseType: RawMessage.self)
        for i in 0..<20 {
            try await call.send(RawMessage([UInt8(i)]))
            let back = try await call.receive()
            #expect(back?.bytes == [UInt8(i)])
        }
        call.closeSend()
        #expect(try await call.receive() == nil)
        #expect(await call.status() == .ok)
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func errorStatusMessageAndTrailersArriveIntact() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let text = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n 100%"
        do {
            _ = try await ch.unary(m("Fail"), request: RawMessage([5] + Array(text.utf8)), responseType: RawMessage.self)
            Issue.record("expected an error")
        } catch let e as RPCError {
            #expect(e.code == .notFound)
            #expect(e.message == text)
            #expect(e.metadata["x-detail"] == "why")
            #expect(e.metadata.binary("x-detail-bin") == [0, 1, 2])
        }
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func customMetadataIncludingBinaryIsEchoed() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        var md = Metadata()
        md.add("x-echo", "hello")
        md.add("x-echo-bin", binary: [0xab, 0xab, 0xab])
        let r = try await ch.unary(m("Metadata"), request: RawMessage([1]), responseType: RawMessage.self,
                                   options: CallOptions(metadata: md))
        #expect(r.initialMetadata["x-echo"] == "hello")
        #expect(r.trailingMetadata.binary("x-echo-bin") == [0xab, 0xab, 0xab])
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func unknownServiceAndMethodAreUnimplemented() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        for path in [MethodDescriptor(service: "test.Nope", method: "X"), m("Nope")] {
            do {
                _ = try await ch.unary(path, request: RawMessage([]), responseType: RawMessage.self)
                Issue.record("expected UNIMPLEMENTED")
            } catch let e as RPCError {
                #expect(e.code == .unimplemented)
            }
        }
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func deadlineFailsTheCallAndCancelsTheHandler() async throws {
        let (server, service) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        do {
            _ = try await ch.unary(m("Hang"), request: RawMessage([]), responseType: RawMessage.self,
                                   options: CallOptions(timeout: .seconds(1)))
            Issue.record("expected DEADLINE_EXCEEDED")
        } catch let e as RPCError {
            #expect(e.code == .deadlineExceeded)
        }
        #expect(await ControlService.waitFor(service.cancellations, atLeast: 1))
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func serverEnforcesGRPCTimeoutWithoutClientHelp() async throws {
        // A client deadline far beyond the server's: the server must end the call itself.
        let (server, service) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let raw = try RawH2Client(port: server.port)
        let id = raw.request(path: "/test.Control/Hang", extraHeaders: [("grpc-timeout", "1S")], body: MessageFramer.framed([]))
        // Wait until the handler runs (a handler whose call expired before it started is never
        // invoked at all), then let the server's deadline end the call.
        for _ in 0..<400 where service.started.load(ordering: .relaxed) == 0 {
            await raw.pump(timeoutMs: 1)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(service.started.load(ordering: .relaxed) == 1)
        var result = raw.streams[id]!
        for _ in 0..<400 where !result.closed {
            await raw.pump(timeoutMs: 5)
            result = raw.streams[id]!
        }
        #expect(result.grpcStatus == StatusCode.deadlineExceeded.rawValue)
        #expect(await ControlService.waitFor(service.cancellations, atLeast: 1))
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func cancellingABidiCallResetsTheStreamAndTheHandlerSeesIt() async throws {
        let (server, service) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let call = ch.bidiStreaming(m("Bidi"), requestType: RawMessage.self, responseType: RawMessage.self)
        try await call.send(RawMessage([1]))
        _ = try await call.receive()
        call.cancel()
        do {
            _ = try await call.receive()
            Issue.record("expected CANCELLED")
        } catch let e as RPCError {
            #expect(e.code == .cancelled)
        }
        #expect(await ControlService.waitFor(service.cancellations, atLeast: 1))
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func unreachableServerIsUnavailableAndTheChannelReconnectsLater() async throws {
        let (server, _) = try startServer()
        let port = server.port
        let ch = GRPCChannel(host: "127.0.0.1", port: port)
        _ = try await ch.unary(m("Echo"), request: RawMessage([1]), responseType: RawMessage.self)
        await server.shutdown(grace: .seconds(1))
        do {
            _ = try await ch.unary(m("Echo"), request: RawMessage([1]), responseType: RawMessage.self)
            Issue.record("expected UNAVAILABLE")
        } catch let e as RPCError {
            #expect(e.code == .unavailable)
        }
        let (again, _) = try startServer { $0.port = port }
        let r = try await ch.unary(m("Echo"), request: RawMessage([9]), responseType: RawMessage.self)
        #expect(r.message.bytes == [9])
        ch.close()
        await again.shutdown(grace: .seconds(1))
    }

    @Test func messageSizeLimitsAreResourceExhaustedOnBothSides() async throws {
        let (server, _) = try startServer {
            $0.maxReceiveMessageSize = 1000
            $0.maxSendMessageSize = 2000
        }
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        func code(_ body: () async throws -> Void) async -> StatusCode? {
            do { try await body(); return nil } catch let e as RPCError { return e.code } catch { return nil }
        }
        // Request over the server's receive limit.
        #expect(await code {
            _ = try await ch.unary(m("Echo"), request: RawMessage([UInt8](repeating: 1, count: 1001)), responseType: RawMessage.self)
        } == .resourceExhausted)
        // Response over the server's send limit.
        #expect(await code {
            _ = try await ch.unary(m("Big"), request: RawMessage([0, 0, 0x0b, 0xb8]), responseType: RawMessage.self)
        } == .resourceExhausted)
        // Response over the client's receive limit.
        #expect(await code {
            _ = try await ch.unary(m("Big"), request: RawMessage([0, 0, 0x03, 0xe8]), responseType: RawMessage.self,
                                   options: CallOptions(maxReceiveMessageSize: 999))
        } == .resourceExhausted)
        // Request over the client's send limit.
        #expect(await code {
            _ = try await ch.unary(m("Echo"), request: RawMessage([1, 2, 3]), responseType: RawMessage.self,
                                   options: CallOptions(maxSendMessageSize: 2))
        } == .resourceExhausted)
        // Within limits still works afterwards.
        let ok = try await ch.unary(m("Big"), request: RawMessage([0, 0, 0x07, 0xd0]), responseType: RawMessage.self)
        #expect(ok.message.bytes.count == 2000)
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func largeStreamsFlowThroughSmallWindows() async throws {
        let (server, _) = try startServer {
            $0.streamWindowSize = 65535
            $0.maxBufferedResponseBytesPerStream = 32 << 10
        }
        var cc = ClientConfig()
        cc.streamWindowSize = 65535
        cc.maxBufferedResponseBytesPerCall = 64 << 10
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port, config: cc)
        // 40 messages of 100 KB = 4 MB each way through 64 KB windows.
        let call = ch.serverStreaming(m("Count"), request: RawMessage([40, 0x01, 0x86, 0xa0]), responseType: RawMessage.self)
        var n = 0
        for try await x in call { #expect(x.bytes.count == 100_000); n += 1 }
        #expect(n == 40)
        let bidi = ch.bidiStreaming(m("Bidi"), requestType: RawMessage.self, responseType: RawMessage.self)
        let big = RawMessage([UInt8](repeating: 3, count: 300_000))
        let sender = Task {
            for _ in 0..<10 { try await bidi.send(big) }
            bidi.closeSend()
        }
        var echoed = 0
        for try await x in bidi { #expect(x.bytes.count == 300_000); echoed += 1 }
        try await sender.value
        #expect(echoed == 10)
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }

    @Test func severalConnectionsShareTheLoad() async throws {
        let (server, _) = try startServer { $0.eventLoops = 2 }
        var cc = ClientConfig()
        cc.connections = 3
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port, config: cc)
        try await withThrowingTaskGroup(of: Void.self) { g in
            for i in 0..<30 {
                g.addTask {
                    let r = try await ch.unary(m("Echo"), request: RawMessage([UInt8(i)]), responseType: RawMessage.self)
                    #expect(r.message.bytes == [UInt8(i)])
                }
            }
            try await g.waitForAll()
        }
        ch.close()
        await server.shutdown(grace: .seconds(1))
    }
}

/// Flow control with real back-pressure: a handler that never reads throttles its client.
@Suite struct BackPressureTests {
    @Test func handlerThatNeverReadsStopsTheClientFromSending() async throws {
        let window = 65535, serverQueue = 64 << 10, clientQueue = 64 << 10
        let (server, service) = try startServer {
            $0.streamWindowSize = window
            $0.maxBufferedRequestBytesPerStream = serverQueue
        }
        var cc = ClientConfig()
        cc.maxBufferedRequestBytesPerCall = clientQueue
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port, config: cc)
        let call = ch.bidiStreaming(ControlService.m("Stall"), requestType: RawMessage.self, responseType: RawMessage.self)
        let sent = Atomic<Int>(0)
        let sender = Task {
            for _ in 0..<1000 {
                try await call.send(RawMessage([UInt8](repeating: 1, count: 10_000)))
                sent.add(1, ordering: .relaxed)
            }
        }
        #expect(await ControlService.waitFor(service.started, atLeast: 1))
        // Wait until the sender stops making progress.
        var last = -1
        for _ in 0..<200 where sent.load(ordering: .relaxed) != last {
            last = sent.load(ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(100))
        }
        let bound = window + serverQueue + clientQueue + 3 * 10_005
        #expect(last * 10_005 <= bound)
        #expect(last < 1000)
        call.cancel()
        _ = try? await sender.value
        ch.close()
        await server.shutdown(grace: .zero)
    }
}

@Suite struct ClientKeepaliveTests {
    @Test func silentServerIsDetectedByKeepaliveAndCallsFailUnavailable() async throws {
        // A TCP listener that never accepts: the handshake completes, nothing ever answers.
        var port: Int32 = 0
        let lfd = kg_tcp_listen("127.0.0.1", 0, 0, 16, &port)
        #expect(lfd >= 0)
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
            #expect(e.message.contains("keepalive"))
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
