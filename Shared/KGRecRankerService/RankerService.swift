import GRPCCore
import KGRecWire

/// `kgrec.v1.Ranker` over a `RankerEngine`: Score, Recommend and the ScoreStream bidi call (one
/// response per request, in order, per-request failures in `error`). Metrics per method and
/// status come from `RPCRouter.instrumented` (see `RankerServer`).
public struct RankerService: RPCService {
    typealias Method = Kgrec_V1_Ranker.Method
    public let engine: RankerEngine

    public init(engine: RankerEngine) {
        self.engine = engine
    }

    public func register(in router: inout RPCRouter) {
        let engine = self.engine
        router.unary(Method.score) { (request: Kgrec_V1_ScoreRequest, context) in
            try await engine.score(request, remaining: context.timeRemaining)
        }
        router.unary(Method.recommend) { (request: Kgrec_V1_RecommendRequest, context) in
            try await engine.recommend(request, remaining: context.timeRemaining)
        }
        router.bidiStreaming(Method.scoreStream) {
            (requests: RPCReader<Kgrec_V1_ScoreRequest>, out: RPCWriter<Kgrec_V1_ScoreResponse>, context) in
            for try await request in requests {
                var response: Kgrec_V1_ScoreResponse
                do {
                    response = try await engine.score(request, remaining: context.timeRemaining)
                } catch let e as RPCError where !context.isCancelled {
                    response = Kgrec_V1_ScoreResponse(
                        requestId: request.requestId,
                        error: Kgrec_V1_RequestError(code: Int32(e.code.rawValue), message: e.message))
                }
                try await out.write(response)
            }
        }
    }
}
