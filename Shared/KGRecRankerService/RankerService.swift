import GRPCCore
import KGRecServiceKit
import KGRecWire

/// `kgrec.v1.Ranker` over a `RankerEngine`: Score, Recommend and the ScoreStream bidi call (one
/// response per request, in order, per-request failures in `error`, up to `streamWindow`
/// requests scored concurrently). Metrics per method and status come from
/// `RPCRouter.instrumented` (see `ServiceHost`).
public struct RankerService: RPCService {
    typealias Method = Kgrec_V1_Ranker.Method
    public let engine: RankerEngine

    public init(engine: RankerEngine) {
        self.engine = engine
    }

    public func register(in router: inout RPCRouter) {
        let engine = self.engine
        // Answered on the event loop when the user is cached and the scan is small (a plain Score
        // from its wire bytes alone); as a task (graph fetch, long scan) otherwise.
        router.unary(Method.score, wire: { engine.scoreWire($0) }, inline: { (request: Kgrec_V1_ScoreRequest, _) in
            try engine.scoreNow(request)
        }) { request, context in
            try await engine.score(request, remaining: context.timeRemaining)
        }
        router.unary(Method.recommend, inline: { (request: Kgrec_V1_RecommendRequest, _) in
            try engine.recommendNow(request)
        }) { request, context in
            try await engine.recommend(request, remaining: context.timeRemaining)
        }
        router.bidiStreaming(Method.scoreStream) {
            (requests: RPCReader<Kgrec_V1_ScoreRequest>, out: RPCWriter<Kgrec_V1_ScoreResponse>, context) in
            // Misses of one stream are fetched together (`OrderedStreamWindow`).
            try await OrderedStreamWindow.answer(requests, into: out, window: engine.options.streamWindow) {
                await Self.answer($0, context, engine)
            }
        }
    }

    /// One ScoreStream answer: the scores, or the request's failure in `error`.
    static func answer(_ request: Kgrec_V1_ScoreRequest, _ context: ServerContext,
                       _ engine: RankerEngine) async -> Kgrec_V1_ScoreResponse
    {
        do {
            return try await engine.score(request, remaining: context.timeRemaining)
        } catch {
            let e = error as? RPCError ?? RPCError(.cancelled, "call cancelled")
            return Kgrec_V1_ScoreResponse(requestId: request.requestId,
                                          error: Kgrec_V1_RequestError(code: Int32(e.code.rawValue), message: e.message))
        }
    }
}
