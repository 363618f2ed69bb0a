import GRPCCore
@testable import GRPCHTTP2
import KGRecPOSIX
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

    @Test func aSendAfterCloseSendThrowsSendAfterCloseAndTheCallStillEndsOK() async throws {
        let (server, _) = try startServer()
        let ch = GRPCChannel(host: "127.0.0.1", port: server.port)
        let call = ch.bidiStreaming(m("Bidi"), requestType: RawMessage.self, responseType: RawMessage.self)
        try await call.send(RawMessage([1]))
        call.closeSend()
        let error = await #expect(throws: RPCError.self) { try await call.send(RawMessage([2])) }
        #expect(error?.code == .failedPrecondition)
        #expect((error?.cause as? ClientSendStateError)?.code == .sendAfterClose)
        // The echo saw only the message sent before the close.
        #expect(try await call.receive()?.bytes == [1])
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
        let cause = try await unavailableCause(ch)
        #expect([.connectFailed, .connectionClosed, .connectionLost].contains(cause.code))
        let (again, _) = try startServer { $0.port = port }
        let r = try await ch.unary(m("Echo"), request: RawMessage([9]), responseType: RawMessage.self)
        #expect(r.message.bytes == [9])
        ch.close()
        await again.shutdown(grace: .seconds(1))
    }

    @Test func connectRefusedIsUnavailableCausedByConnectFailedWithTheErrno() async throws {
        let port = try TCPSocket.freePort(host: "127.0.0.1")
        let ch = GRPCChannel(host: "127.0.0.1", port: port)
        let cause = try await unavailableCause(ch)
        #expect(cause.code == .connectFailed)
        #expect((cause.cause as? SystemError)?.errno == ECONNREFUSED)
        ch.close()
    }

    /// The `TransportError` behind the UNAVAILABLE an Echo call on `ch` must fail with.
    private func unavailableCause(_ ch: GRPCChannel) async throws -> TransportError {
        do {
            _ = try await ch.unary(m("Echo"), request: RawMessage([1]), responseType: RawMessage.self)
        } catch let e as RPCError where e.code == .unavailable {
            return try #require(e.cause as? TransportError)
        }
        throw ExpectedUnavailable()
    }

    private struct ExpectedUnavailable: Error {}

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
