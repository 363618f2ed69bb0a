import GRPCCore
import KGRecWire
import Testing
@testable import GRPCInterop

/// The interop server's behaviour per the gRPC interop spec, driven through the router with an
/// in-memory call (the real-socket runs are in Tests/interop).
@Suite struct TestServiceTests {
    typealias Method = Grpc_Testing_TestService.Method

    func decode<M: GRPCMessage>(_ type: M.Type, _ payloads: [[UInt8]]) throws -> [M] {
        try payloads.map { try M(serializedBytes: $0) }
    }

    @Test func unaryCallReturnsResponseSizeZeros() async throws {
        let request = Grpc_Testing_SimpleRequest(responseSize: 314_159, payload: .init(body: [UInt8](repeating: 0, count: 10)))
        let out = try await run(TestService(), Method.unaryCall, requests: [request.serializedBytes()])
        let response = try decode(Grpc_Testing_SimpleResponse.self, out.responses)
        #expect(response.count == 1)
        #expect(response[0].payload?.body.count == 314_159)
        #expect(response[0].payload?.body.allSatisfy { $0 == 0 } == true)
    }

    @Test func unaryCallEchoesStatusCodeAndMessage() async throws {
        let message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
        let request = Grpc_Testing_SimpleRequest(responseStatus: .init(code: 2, message: message))
        await #expect(throws: RPCError(.unknown, message)) {
            _ = try await run(TestService(), Method.unaryCall, requests: [request.serializedBytes()])
        }
    }

    @Test func unaryCallEchoesMetadata() async throws {
        var metadata = Metadata()
        metadata.add(TestService.echoInitialKey, "test_initial_metadata_value")
        metadata.add(TestService.echoTrailingKey, binary: [0xab, 0xab, 0xab])
        metadata.add("x-other", "not echoed")
        let out = try await run(TestService(), Method.unaryCall,
                                requests: [Grpc_Testing_SimpleRequest(responseSize: 1).serializedBytes()],
                                metadata: metadata)
        #expect(out.io.headers?[TestService.echoInitialKey] == "test_initial_metadata_value")
        #expect(out.io.headers?["x-other"] == nil)
        #expect(out.context.trailingMetadata.binary(TestService.echoTrailingKey) == [0xab, 0xab, 0xab])
    }

    @Test func expectCompressedIsRefusedBecauseNothingIsCompressed() async throws {
        let request = Grpc_Testing_SimpleRequest(expectCompressed: .init(value: true))
        let error = await #expect(throws: RPCError.self) {
            _ = try await run(TestService(), Method.unaryCall, requests: [request.serializedBytes()])
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func streamingOutputCallSendsOneResponsePerParameterInOrder() async throws {
        let sizes: [Int32] = [31415, 9, 2653, 58979]
        let request = Grpc_Testing_StreamingOutputCallRequest(
            responseParameters: sizes.map { Grpc_Testing_ResponseParameters(size: $0) })
        let out = try await run(TestService(), Method.streamingOutputCall, requests: [request.serializedBytes()])
        let responses = try decode(Grpc_Testing_StreamingOutputCallResponse.self, out.responses)
        #expect(responses.map { Int32($0.payload?.body.count ?? -1) } == sizes)
    }

    @Test func streamingInputCallSumsPayloadSizes() async throws {
        let requests = [27182, 8, 1828, 45904].map {
            Grpc_Testing_StreamingInputCallRequest(payload: .init(body: [UInt8](repeating: 0, count: $0))).serializedBytes()
        }
        let out = try await run(TestService(), Method.streamingInputCall, requests: requests)
        #expect(try decode(Grpc_Testing_StreamingInputCallResponse.self, out.responses)
            == [Grpc_Testing_StreamingInputCallResponse(aggregatedPayloadSize: 74922)])
    }

    @Test func fullDuplexAnswersEachRequestAndEchoesStatus() async throws {
        let first = Grpc_Testing_StreamingOutputCallRequest(responseParameters: [.init(size: 3)])
        let second = Grpc_Testing_StreamingOutputCallRequest(responseStatus: .init(code: 2, message: "stop"))
        let third = Grpc_Testing_StreamingOutputCallRequest(responseParameters: [.init(size: 5)])
        let io = FakeCallIO(requests: [first, second, third].map { $0.serializedBytes() })
        var router = RPCRouter()
        router.register(TestService())
        guard case .found(let route) = router.lookup(path: Method.fullDuplexCall.path),
              case .task(let shape, let handler) = route.handler else {
            Issue.record("FullDuplexCall is not a task handler")
            return
        }
        #expect(shape == .bidiStreaming)
        await #expect(throws: RPCError(.unknown, "stop")) {
            try await handler(io, ServerContext(method: Method.fullDuplexCall))
        }
        // The first request was answered; nothing after the echoed status.
        #expect(io.sent.count == 1)
    }

    @Test func emptyStreamGetsNoResponses() async throws {
        let out = try await run(TestService(), Method.fullDuplexCall, requests: [])
        #expect(out.responses.isEmpty)
    }

    @Test func halfDuplexAnswersOnlyAfterHalfClose() async throws {
        let requests = [1, 2, 3].map {
            Grpc_Testing_StreamingOutputCallRequest(responseParameters: [.init(size: Int32($0))]).serializedBytes()
        }
        let out = try await run(TestService(), Method.halfDuplexCall, requests: requests)
        #expect(try decode(Grpc_Testing_StreamingOutputCallResponse.self, out.responses).map { $0.payload?.body.count } == [1, 2, 3])
    }

    @Test func cancelledReadEndsTheCallWithItsError() async throws {
        await #expect(throws: RPCError(.cancelled, "client reset")) {
            _ = try await run(TestService(), Method.streamingInputCall, requests: [],
                              failAfterRequests: RPCError(.cancelled, "client reset"))
        }
    }

    @Test func unimplementedCallIsNotRegistered() {
        var router = RPCRouter()
        router.register(TestService())
        guard case .unknownMethod = router.lookup(path: Method.unimplementedCall.path) else {
            Issue.record("UnimplementedCall should be unknown to the router")
            return
        }
        guard case .unknownService = router.lookup(path: Grpc_Testing_UnimplementedService.Method.unimplementedCall.path) else {
            Issue.record("UnimplementedService should be unknown to the router")
            return
        }
    }
}
