import GRPCCore
import GRPCInterop
@testable import GRPCHTTP2
import Testing

/// Byte-level protocol checks: a hand-driven nghttp2 client sends exactly the request under test.
@Suite struct ServerProtocolTests {
    @Test func everyCallShapeAnswersTheSameWhenTheRequestArrivesOneByteAtATime() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        c.dribbleBytes = 1   // preface, SETTINGS, HEADERS and DATA split at every byte
        for (id, answer) in requestEveryCallShape(on: c) {
            let r = try await c.runUntilClosed(stream: id)
            #expect(r.data == answer)
            #expect(r.grpcStatus == 0 && r.resetCode == nil)
        }
    }

    @Test func nonGRPCContentTypeIsHTTP415() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let json = c.request(path: "/test.Control/Echo", contentType: "application/json", body: MessageFramer.framed([]))
        let none = c.request(path: "/test.Control/Echo", contentType: nil, body: MessageFramer.framed([]))
        #expect(try await c.runUntilClosed(stream: json).httpStatus == 415)
        #expect(try await c.runUntilClosed(stream: none).httpStatus == 415)
    }

    @Test func grpcWithAnotherCodecIsUnimplemented() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Echo", contentType: "application/grpc+json", body: MessageFramer.framed([]))
        #expect(try await c.runUntilClosed(stream: id).grpcStatus == StatusCode.unimplemented.rawValue)
    }

    @Test func methodOtherThanPOSTIsRejected() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Echo", method: "GET")
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.httpStatus == 405)
        #expect(r.grpcStatus == StatusCode.unimplemented.rawValue)
    }

    @Test func successfulResponseHasHeadersMessageAndTrailers() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Echo", contentType: "application/grpc+proto", body: MessageFramer.framed([4, 2]))
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.httpStatus == 200)
        #expect(r.headers.contains { $0 == ("content-type", "application/grpc") })
        #expect(r.data == [0, 0, 0, 0, 2, 4, 2])
        #expect(r.trailers.contains { $0 == ("grpc-status", "0") })
        #expect(r.resetCode == nil)
    }

    @Test func errorBeforeAnyMessageIsTrailersOnly() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Fail", body: MessageFramer.framed([9] + Array("no 100%".utf8)))
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.trailers.isEmpty)
        #expect(r.headers.contains { $0 == ("grpc-status", "9") })
        #expect(r.headers.contains { $0 == ("grpc-message", "no 100%25") })
        #expect(r.headers.contains { $0 == ("x-detail-bin", "AAEC") })
        #expect(r.data.isEmpty)
    }

    @Test func unsupportedEncodingIsUnimplementedAndIdentityIsAdvertised() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Echo", extraHeaders: [("grpc-encoding", "gzip")], body: [1, 0, 0, 0, 1, 0])
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.grpcStatus == StatusCode.unimplemented.rawValue)
        #expect(r.headers.contains { $0 == ("grpc-accept-encoding", "identity") })
    }

    @Test func compressedFlagWithoutEncodingIsInternal() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        for path in ["/test.Control/Echo", "/test.Control/Sum"] {
            let id = c.request(path: path, body: [1, 0, 0, 0, 1, 0])
            #expect(try await c.runUntilClosed(stream: id).grpcStatus == StatusCode.internal.rawValue, "\(path)")
        }
    }

    @Test func lengthPrefixThatLiesIsInternal() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        for path in ["/test.Control/Echo", "/test.Control/Sum"] {
            let id = c.request(path: path, body: [0, 0, 0, 0, 16, 1, 2, 3])
            let r = try await c.runUntilClosed(stream: id)
            #expect(r.grpcStatus == StatusCode.internal.rawValue, "\(path)")
            #expect(r.grpcMessage?.contains("middle of a message") == true)
        }
    }

    @Test func unaryWithoutOrWithTwoMessagesIsInternal() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        for path in ["/test.Control/Echo", "/test.Control/AsyncEcho"] {
            let none = c.request(path: path, body: nil)
            let two = c.request(path: path, body: MessageFramer.framed([1]) + MessageFramer.framed([2]))
            #expect(try await c.runUntilClosed(stream: none).grpcStatus == StatusCode.internal.rawValue)
            #expect(try await c.runUntilClosed(stream: two).grpcStatus == StatusCode.internal.rawValue)
        }
    }

    @Test func malformedTimeoutIsInternal() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Echo", extraHeaders: [("grpc-timeout", "soon")], body: MessageFramer.framed([]))
        #expect(try await c.runUntilClosed(stream: id).grpcStatus == StatusCode.internal.rawValue)
    }

    @Test func unpaddedBase64BinaryMetadataIsAccepted() async throws {
        let (server, _) = try startServer()
        defer { Task { await server.shutdown(grace: .zero) } }
        let c = try RawH2Client(port: server.port)
        let id = c.request(path: "/test.Control/Metadata", extraHeaders: [("x-echo-bin", "AP8")], body: MessageFramer.framed([]))
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.trailers.contains { $0 == ("x-echo-bin", "AP8=") })
    }

    @Test func invalidProtobufIsInternal() async throws {
        let server = GRPCServer(services: [TestService()], config: {
            var c = ServerConfig(); c.host = "127.0.0.1"; c.eventLoops = 1; return c
        }())
        try server.start()
        let c = try RawH2Client(port: server.port)
        // Field 1 as a length-delimited field whose length runs past the end.
        let id = c.request(path: "/grpc.testing.TestService/UnaryCall", body: MessageFramer.framed([0x0a, 0x7f, 1]))
        let r = try await c.runUntilClosed(stream: id)
        #expect(r.grpcStatus == StatusCode.internal.rawValue)
        #expect(r.grpcMessage?.hasPrefix("failed to decode request") == true)
        await server.shutdown(grace: .zero)
    }
}
