import GRPCCore
import KGRecServiceKit
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
            try await OrderedStreamWindow.answer(requests, into: out, window: engine.options.streamWindow) {
                try await engine.encode($0)
            }
        }
    }
}
