import GRPCCore
import GRPCHTTP2
import KGRecWire

/// The cases, each as the interop spec's "Procedure" and "Client asserts".
extension InteropClient {
    func emptyUnary() async throws {
        // Read the response as raw bytes to check it really was a zero-byte message.
        let r = try await channel.unary(Method.emptyCall, request: Grpc_Testing_Empty(),
                                        responseType: RawMessage.self, options: options)
        try check(r.message.bytes.isEmpty, "response is \(r.message.bytes.count) bytes, expected an empty message")
    }

    func largeUnary() async throws {
        let request = Grpc_Testing_SimpleRequest(responseSize: 314_159, payload: Self.zeros(271_828))
        let r = try await channel.unary(Method.unaryCall, request: request,
                                        responseType: Grpc_Testing_SimpleResponse.self, options: options)
        try checkZeros(r.message.payload, 314_159, "response payload")
    }

    func clientStreaming() async throws {
        let call = channel.clientStreaming(Method.streamingInputCall, requestType: Grpc_Testing_StreamingInputCallRequest.self,
                                           responseType: Grpc_Testing_StreamingInputCallResponse.self, options: options)
        for n in [27182, 8, 1828, 45904] {
            try await call.send(Grpc_Testing_StreamingInputCallRequest(payload: Self.zeros(n)))
        }
        let r = try await call.finish()
        try check(r.message.aggregatedPayloadSize == 74922,
                  "aggregated_payload_size \(r.message.aggregatedPayloadSize), expected 74922")
    }

    func serverStreaming() async throws {
        let sizes: [Int32] = [31415, 9, 2653, 58979]
        let request = Request(responseParameters: sizes.map { Grpc_Testing_ResponseParameters(size: $0) })
        var got: [Int] = []
        for try await response in channel.serverStreaming(Method.streamingOutputCall, request: request,
                                                          responseType: Response.self, options: options) {
            try checkZeros(response.payload, response.payload?.body.count ?? 0, "response \(got.count)")
            got.append(response.payload?.body.count ?? -1)
        }
        try check(got == sizes.map(Int.init), "response sizes \(got), expected \(sizes)")
    }

    func pingPong() async throws {
        let call = channel.bidiStreaming(Method.fullDuplexCall, requestType: Request.self,
                                         responseType: Response.self, options: options)
        for (size, body) in [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)] {
            try await call.send(Self.streamingRequest(size: Int32(size), body: body))
            guard let response = try await call.receive() else {
                throw InteropFailure(.wrongResponse, "stream ended before the response to the \(size)-byte request")
            }
            try checkZeros(response.payload, size, "response to the \(size)-byte request")
        }
        call.closeSend()
        let extra = try await call.receive()
        try check(extra == nil, "a fifth response arrived")
        let status = await call.status()
        try check(status.isOK, "final status \(status), expected OK")
    }

    func emptyStream() async throws {
        let call = channel.bidiStreaming(Method.fullDuplexCall, requestType: Request.self,
                                         responseType: Response.self, options: options)
        call.closeSend()
        let response = try await call.receive()
        try check(response == nil, "got a response, expected none")
        let status = await call.status()
        try check(status.isOK, "final status \(status), expected OK")
    }

    func timeoutOnSleepingServer() async throws {
        let call = channel.bidiStreaming(Method.fullDuplexCall, requestType: Request.self,
                                         responseType: Response.self,
                                         options: CallOptions(timeout: .milliseconds(1)))
        try await expectStatus(.deadlineExceeded, "FullDuplexCall with a 1 ms deadline") {
            try await call.send(Request(payload: Self.zeros(27182)))
            while try await call.receive() != nil {}
        }
    }

    func cancelAfterBegin() async throws {
        let call = channel.clientStreaming(Method.streamingInputCall, requestType: Grpc_Testing_StreamingInputCallRequest.self,
                                           responseType: Grpc_Testing_StreamingInputCallResponse.self, options: options)
        call.cancel()
        try await expectStatus(.cancelled, "StreamingInputCall cancelled before any message") {
            _ = try await call.finish()
        }
    }

    func cancelAfterFirstResponse() async throws {
        let call = channel.bidiStreaming(Method.fullDuplexCall, requestType: Request.self,
                                         responseType: Response.self, options: options)
        try await call.send(Self.streamingRequest(size: 31415, body: 27182))
        guard let first = try await call.receive() else { throw InteropFailure(.wrongResponse, "no first response") }
        try checkZeros(first.payload, 31415, "first response")
        call.cancel()
        try await expectStatus(.cancelled, "FullDuplexCall cancelled after the first response") {
            while try await call.receive() != nil {}
        }
    }

    /// status_code_and_message and special_status_message: UNKNOWN (2) with `message`, echoed
    /// by UnaryCall and by FullDuplexCall.
    func echoStatus(_ message: String) async throws {
        let status = Grpc_Testing_EchoStatus(code: 2, message: message)
        try await expectStatus(.unknown, message: message, "UnaryCall") {
            _ = try await channel.unary(Method.unaryCall, request: Grpc_Testing_SimpleRequest(responseStatus: status),
                                        responseType: Grpc_Testing_SimpleResponse.self, options: options)
        }
        let call = channel.bidiStreaming(Method.fullDuplexCall, requestType: Request.self,
                                         responseType: Response.self, options: options)
        try await expectStatus(.unknown, message: message, "FullDuplexCall") {
            try await call.send(Request(responseStatus: status))
            call.closeSend()
            while try await call.receive() != nil {}
        }
    }

    func customMetadata() async throws {
        let initialValue = "test_initial_metadata_value"
        let trailingValue: [UInt8] = [0xab, 0xab, 0xab]
        var metadata = Metadata()
        metadata.add(TestService.echoInitialKey, initialValue)
        metadata.add(TestService.echoTrailingKey, binary: trailingValue)
        let options = CallOptions(timeout: callTimeout, metadata: metadata)

        let r = try await channel.unary(Method.unaryCall,
                                        request: Grpc_Testing_SimpleRequest(responseSize: 314_159, payload: Self.zeros(271_828)),
                                        responseType: Grpc_Testing_SimpleResponse.self, options: options)
        try checkZeros(r.message.payload, 314_159, "UnaryCall payload")
        try checkEcho(r.initialMetadata, r.trailingMetadata, initialValue, trailingValue, "UnaryCall")

        let call = channel.bidiStreaming(Method.fullDuplexCall, requestType: Request.self,
                                         responseType: Response.self, options: options)
        try await call.send(Self.streamingRequest(size: 314_159, body: 271_828))
        call.closeSend()
        var sizes: [Int] = []
        while let response = try await call.receive() { sizes.append(response.payload?.body.count ?? -1) }
        try check(sizes == [314_159], "FullDuplexCall response sizes \(sizes), expected [314159]")
        try checkEcho(try await call.initialMetadata(), await call.trailingMetadata(),
                      initialValue, trailingValue, "FullDuplexCall")
    }

    func expectUnimplemented(_ method: MethodDescriptor) async throws {
        try await expectStatus(.unimplemented, "\(method)") {
            _ = try await channel.unary(method, request: Grpc_Testing_Empty(), responseType: Grpc_Testing_Empty.self,
                                        options: options)
        }
    }

    // ---- assertions ----------------------------------------------------------------------------

    func checkZeros(_ payload: Grpc_Testing_Payload?, _ size: Int, _ what: String) throws {
        guard let payload else { throw InteropFailure(.wrongResponse, "\(what): no payload") }
        try check(payload.body.count == size, "\(what): \(payload.body.count) bytes, expected \(size)")
        try check(payload.body.allSatisfy { $0 == 0 }, "\(what): body is not all zeros")
    }

    func checkEcho(_ initial: Metadata, _ trailing: Metadata, _ initialValue: String, _ trailingValue: [UInt8],
                   _ what: String) throws {
        let gotInitial = initial[TestService.echoInitialKey]
        try check(gotInitial == initialValue,
                  "\(what): initial metadata \(TestService.echoInitialKey) = \(gotInitial.debugDescription), expected \(initialValue)")
        let gotTrailing = trailing.binary(TestService.echoTrailingKey)
        try check(gotTrailing == trailingValue,
                  "\(what): trailing metadata \(TestService.echoTrailingKey) = \(gotTrailing.map { "\($0)" } ?? "absent"), expected \(trailingValue)")
    }
}
