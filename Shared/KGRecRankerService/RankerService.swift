import GRPCCore
import KGRecWire

/// `kgrec.v1.Ranker` over a `RankerEngine`: Score, Recommend and the ScoreStream bidi call (one
/// response per request, in order, per-request failures in `error`, up to `streamWindow`
/// requests scored concurrently). Metrics per method and status come from
/// `RPCRouter.instrumented` (see `RankerServer`).
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
            try await Self.scoreStream(requests, out, context, engine)
        }
    }

    /// A reader task starts scoring each request as it arrives (at most `streamWindow` unanswered:
    /// the window is a stream of permits, one returned per answer written) while this task writes
    /// the answers in request order. So misses of one stream are fetched together, and a slow
    /// request delays the answers after it but not their work.
    static func scoreStream(_ requests: RPCReader<Kgrec_V1_ScoreRequest>, _ out: RPCWriter<Kgrec_V1_ScoreResponse>,
                            _ context: ServerContext, _ engine: RankerEngine) async throws
    {
        let (permits, permit) = AsyncStream.makeStream(of: Void.self)
        for _ in 0..<engine.options.streamWindow { permit.yield() }
        let (answers, sink) = AsyncStream.makeStream(of: Task<Kgrec_V1_ScoreResponse, Never>.self)
        let reader = Task {
            defer { sink.finish() }
            var tokens = permits.makeAsyncIterator()
            for try await request in requests {
                guard await tokens.next() != nil else { return }
                sink.yield(Task { await answer(request, context, engine) })
            }
        }
        defer {
            reader.cancel()
            permit.finish()
        }
        for await answer in answers {
            try await out.write(await answer.value)
            permit.yield()
        }
        try await reader.value
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
