import GRPCCore
import KGRecWire

/// `kgrec.v1.Encoder` over an `EncoderEngine`. Both methods run as tasks (never inline on the
/// event loop); the CPU work itself runs on the engine's work pool.
///
/// EncodeStream answers one response per request, in order, `request_id` echoed; up to
/// `streamWindow` requests are encoded ahead while earlier answers are written. A bad request
/// ends the stream with its status (EncodeResponse has no per-request error field).
public struct EncoderService: RPCService {
    typealias Method = Kgrec_V1_Encoder.Method
    public let engine: EncoderEngine

    public init(engine: EncoderEngine) {
        self.engine = engine
    }

    public func register(in router: inout RPCRouter) {
        let engine = self.engine
        router.unary(Method.encode) { (request: Kgrec_V1_EncodeRequest, _) in
            try await engine.encode(request)
        }
        router.bidiStreaming(Method.encodeStream) {
            (requests: RPCReader<Kgrec_V1_EncodeRequest>, out: RPCWriter<Kgrec_V1_EncodeResponse>, _) in
            try await Self.pipeline(requests, out, engine)
        }
    }

    /// Reads ahead while answering: a reader task starts each request's encode as it arrives (at
    /// most `streamWindow` unanswered), the handler writes the answers in request order as each
    /// completes. A failed encode ends the call with its status; a read error (malformed request,
    /// cancellation) ends it after the answers already started.
    static func pipeline(_ requests: RPCReader<Kgrec_V1_EncodeRequest>, _ out: RPCWriter<Kgrec_V1_EncodeResponse>,
                         _ engine: EncoderEngine) async throws
    {
        let (queue, sink) = AsyncStream.makeStream(of: Task<Kgrec_V1_EncodeResponse, any Error>.self)
        let window = AsyncSemaphore(permits: engine.options.streamWindow)
        let reader = Task {
            defer { sink.finish() }
            for try await request in requests {
                try await window.acquire()
                sink.yield(Task { try await engine.encode(request) })
            }
        }
        defer { reader.cancel() }
        for await encoding in queue {
            let response: Kgrec_V1_EncodeResponse
            do {
                response = try await encoding.value
            } catch {
                reader.cancel()
                throw error
            }
            window.release()
            try await out.write(response)
        }
        try await reader.value
    }
}
