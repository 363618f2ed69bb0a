import GRPCCore

extension RPCRouter {
    /// This router with every route wrapped to run with `ServerContext.current` bound (trace
    /// context for logs and outgoing calls), to log an `rpc` line per call at debug level when
    /// given a `logger`, to record `grpc_server_started_total`,
    /// `grpc_server_handled_total{grpc_code}` and `grpc_server_handling_seconds` (labelled by
    /// method, service and call type; see `RPCMetrics`), and, for the `protected` paths
    /// (e.g. `"/kgrec.v1.Graph/AddInteractions"`) when `auth` has tokens, to check the bearer
    /// token before the handler runs (failing with UNAUTHENTICATED / PERMISSION_DENIED).
    ///
    /// The recorded code is the handler's outcome: OK when it returns, the `RPCError`'s code when
    /// it throws one, DEADLINE_EXCEEDED when it is cancelled after its deadline, CANCELLED when
    /// cancelled otherwise, UNKNOWN for other errors. Calls the transport rejects before any
    /// handler runs (unknown method, malformed request) are not counted here.
    /// Cost per call: two clock reads, three atomic adds and a CAS (see docs/operations.md).
    public func instrumented(metrics: RPCMetrics, auth: BearerTokenAuthenticator = .init(tokens: []),
                             protected: Set<String> = [], logger: Logger? = nil) -> RPCRouter
    {
        let known = Set(routes.map(\.method.path))
        for path in protected {
            precondition(known.contains(path), "protected method \(path) is not registered")
        }
        var out = RPCRouter()
        for route in routes {
            let recorder = metrics.method(route.method, type: .init(route.handler.shape))
            let guardAuth: BearerTokenAuthenticator? =
                auth.isEnabled && protected.contains(route.method.path) ? auth : nil
            out.register(route.method, Self.wrap(route.handler, recorder, guardAuth, logger))
        }
        return out
    }

    private static func wrap(_ handler: MethodHandler, _ recorder: MethodMetrics,
                             _ auth: BearerTokenAuthenticator?, _ logger: Logger?) -> MethodHandler
    {
        // The handler runs with `ServerContext.current` bound, so its log lines and the calls it
        // makes carry the call's trace context.
        switch handler {
        case .inlineUnary(let body):
            return .inlineUnary { request, context in
                try ServerContext.$current.withValue(context) {
                    let start = ContinuousClock.now
                    recorder.started()
                    do {
                        try authorize(auth, context)
                        let response = try body(request, context)
                        finished(.ok, start, recorder, context, logger)
                        return response
                    } catch {
                        finished(code(of: error, context), start, recorder, context, logger)
                        throw error
                    }
                }
            }
        case .inlineUnaryOrTask(let body, let task):
            // Recorded once per call: by the inline attempt when it answers, else by the task.
            return .inlineUnaryOrTask({ request, context in
                try ServerContext.$current.withValue(context) {
                    let start = ContinuousClock.now
                    do {
                        try authorize(auth, context)
                        guard let response = try body(request, context) else { return nil }
                        recorder.started()
                        finished(.ok, start, recorder, context, logger)
                        return response
                    } catch {
                        recorder.started()
                        finished(code(of: error, context), start, recorder, context, logger)
                        throw error
                    }
                }
            }, wrapTask(task, recorder, auth, logger))
        case .task(let shape, let body):
            return .task(shape, wrapTask(body, recorder, auth, logger))
        }
    }

    private static func wrapTask(_ body: @escaping @Sendable (any ServerCallIO, ServerContext) async throws -> Void,
                                 _ recorder: MethodMetrics, _ auth: BearerTokenAuthenticator?, _ logger: Logger?)
        -> @Sendable (any ServerCallIO, ServerContext) async throws -> Void
    {
        { io, context in
            try await ServerContext.$current.withValue(context) {
                let start = ContinuousClock.now
                recorder.started()
                do {
                    try authorize(auth, context)
                    try await body(io, context)
                    finished(.ok, start, recorder, context, logger)
                } catch {
                    finished(code(of: error, context), start, recorder, context, logger)
                    throw error
                }
            }
        }
    }

    /// Records the call and, at debug level, logs one `rpc` line (with the call's trace ids).
    private static func finished(_ code: StatusCode, _ start: ContinuousClock.Instant, _ recorder: MethodMetrics,
                                 _ context: ServerContext, _ logger: Logger?)
    {
        recorder.record(code: code, since: start)
        guard let logger, logger.isEnabled(.debug) else { return }
        let (s, atto) = (ContinuousClock.now - start).components
        logger.debug("rpc", ["method": .string(context.method.path), "code": .string(code.description),
                             "ms": .double(Double(s) * 1e3 + Double(atto) * 1e-15), "peer": .string(context.peer)])
    }

    private static func authorize(_ auth: BearerTokenAuthenticator?, _ context: ServerContext) throws {
        guard let auth else { return }
        let status = auth.check(context.requestMetadata)
        if !status.isOK { throw RPCError(status: status) }
    }

    /// The status code a thrown error ends the call with, as the transport maps it.
    static func code(of error: any Error, _ context: ServerContext) -> StatusCode {
        let cancelled: Bool
        switch error {
        case let e as RPCError:
            guard e.code == .cancelled else { return e.code }
            cancelled = true
        case is CancellationError:
            cancelled = true
        default:
            return .unknown
        }
        if cancelled, let left = context.timeRemaining, left <= .zero { return .deadlineExceeded }
        return .cancelled
    }
}
