import GRPCCore
import KGRecWire

/// `grpc.testing.TestService` as the gRPC interop spec (grpc/grpc doc/interop-test-descriptions.md,
/// "Server") describes it: EmptyCall, UnaryCall, StreamingOutputCall, StreamingInputCall,
/// FullDuplexCall, HalfDuplexCall, with the Echo Status and Echo Metadata features and
/// `interval_us`. UnimplementedCall (and CacheableUnaryCall) are deliberately not registered, so
/// the router answers UNIMPLEMENTED. Compression is not supported, so a request that says it
/// expects to have been compressed (`expect_compressed`) is refused with INVALID_ARGUMENT and
/// `response_compressed` is refused the same way.
public struct TestService: RPCService {
    typealias Method = Grpc_Testing_TestService.Method

    /// Key the server echoes back in the response headers.
    public static let echoInitialKey = "x-grpc-test-echo-initial"
    /// Key the server echoes back in the trailers.
    public static let echoTrailingKey = "x-grpc-test-echo-trailing-bin"

    public init() {}

    public func register(in router: inout RPCRouter) {
        router.unaryInline(Method.emptyCall) { (_: Grpc_Testing_Empty, _) in Grpc_Testing_Empty() }
        router.unaryInline(Method.unaryCall) { (request: Grpc_Testing_SimpleRequest, context) in
            try Self.unaryCall(request, context)
        }
        router.serverStreaming(Method.streamingOutputCall) {
            (request: Grpc_Testing_StreamingOutputCallRequest, writer: RPCWriter<Grpc_Testing_StreamingOutputCallResponse>, context) in
            Self.echoMetadata(context)
            try await Self.respond(to: request, writer)
        }
        router.clientStreaming(Method.streamingInputCall) {
            (requests: RPCReader<Grpc_Testing_StreamingInputCallRequest>, context) in
            Self.echoMetadata(context)
            var total = 0
            for try await request in requests {
                if request.expectCompressed?.value == true { throw Self.notCompressed }
                total += request.payload?.body.count ?? 0
            }
            return Grpc_Testing_StreamingInputCallResponse(aggregatedPayloadSize: Int32(clamping: total))
        }
        router.bidiStreaming(Method.fullDuplexCall) {
            (requests: RPCReader<Grpc_Testing_StreamingOutputCallRequest>, writer: RPCWriter<Grpc_Testing_StreamingOutputCallResponse>, context) in
            Self.echoMetadata(context)
            for try await request in requests {
                try await Self.respond(to: request, writer)
            }
        }
        router.bidiStreaming(Method.halfDuplexCall) {
            (requests: RPCReader<Grpc_Testing_StreamingOutputCallRequest>, writer: RPCWriter<Grpc_Testing_StreamingOutputCallResponse>, context) in
            Self.echoMetadata(context)
            var buffered: [Grpc_Testing_StreamingOutputCallRequest] = []
            for try await request in requests { buffered.append(request) }
            for request in buffered { try await Self.respond(to: request, writer) }
        }
    }

    static let notCompressed = RPCError(
        .invalidArgument, "this server does not support compression: the request was not compressed")

    /// UnaryCall: a payload of `response_size` zeros, or the status `response_status` asks for.
    static func unaryCall(_ request: Grpc_Testing_SimpleRequest, _ context: ServerContext) throws
        -> Grpc_Testing_SimpleResponse
    {
        echoMetadata(context)
        if request.expectCompressed?.value == true { throw notCompressed }
        if request.responseCompressed?.value == true {
            throw RPCError(.invalidArgument, "this server does not support compressed responses")
        }
        try echoStatus(request.responseStatus)
        return Grpc_Testing_SimpleResponse(payload: try payload(request.responseType, Int(request.responseSize)))
    }

    /// One response per `response_parameters` entry, each after its `interval_us`; then the
    /// echoed status if the request carries one.
    static func respond(
        to request: Grpc_Testing_StreamingOutputCallRequest,
        _ writer: RPCWriter<Grpc_Testing_StreamingOutputCallResponse>
    ) async throws {
        // Echo Status: "the server will not process any further messages on the stream".
        if let status = request.responseStatus, status.code != 0 {
            throw RPCError(StatusCode(rawValue: UInt8(clamping: status.code)), status.message)
        }
        for parameters in request.responseParameters {
            if parameters.compressed?.value == true {
                throw RPCError(.invalidArgument, "this server does not support compressed responses")
            }
            if parameters.intervalUs > 0 {
                try await Task.sleep(for: .microseconds(Int(parameters.intervalUs)))
            }
            let body = try payload(request.responseType, Int(parameters.size))
            try await writer.write(Grpc_Testing_StreamingOutputCallResponse(payload: body))
        }
    }

    static func payload(_ type: Grpc_Testing_PayloadType, _ size: Int) throws -> Grpc_Testing_Payload {
        guard type == .compressable else {
            throw RPCError(.invalidArgument, "unsupported response_type \(type)")
        }
        guard size >= 0 else { throw RPCError(.invalidArgument, "negative response size \(size)") }
        return Grpc_Testing_Payload(type: .compressable, body: [UInt8](repeating: 0, count: size))
    }

    /// Echo Status for unary calls: a non-OK `response_status` ends the call with it (the
    /// transport adds `context.trailingMetadata` to the trailers of failed calls too).
    static func echoStatus(_ status: Grpc_Testing_EchoStatus?) throws {
        guard let status, status.code != 0 else { return }
        throw RPCError(StatusCode(rawValue: UInt8(clamping: status.code)), status.message)
    }

    /// Echo Metadata: `x-grpc-test-echo-initial` back in the headers, `x-grpc-test-echo-trailing-bin`
    /// back in the trailers.
    static func echoMetadata(_ context: ServerContext) {
        // One pass over the (already lower-case) keys: this runs on every call.
        for entry in context.requestMetadata {
            if entry.key == echoInitialKey {
                context.initialMetadata.add(echoInitialKey, value: entry.value)
            } else if entry.key == echoTrailingKey {
                context.trailingMetadata.add(echoTrailingKey, value: entry.value)
            }
        }
    }
}
