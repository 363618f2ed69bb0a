import GRPCCore
import Testing
@testable import KGRecServiceKit

@Suite struct RPCRouterInstrumentedTests {
    static let echo = MethodDescriptor(service: "t.S", method: "Echo")
    static let add = MethodDescriptor(service: "t.S", method: "Add")
    static let fail = MethodDescriptor(service: "t.S", method: "Fail")

    /// Echo (inline), Add (task, the mutating one), Fail (task, throws what `failure` holds).
    func router(failure: any Error = RPCError(.notFound, "no such user")) -> RPCRouter {
        var r = RPCRouter()
        r.register(Self.echo, .inlineUnary { request, _ in Array(request) })
        r.register(Self.add, .task(.unary) { _, _ in })
        r.register(Self.fail, .task(.serverStreaming) { _, _ in throw failure })
        return r
    }

    func handler(_ r: RPCRouter, _ m: MethodDescriptor) throws -> MethodHandler {
        guard case .found(let route) = r.lookup(path: m.path) else { throw TestFailure("no route \(m)") }
        return route.handler
    }

    func callInline(_ h: MethodHandler, _ ctx: ServerContext) throws -> [UInt8] {
        guard case .inlineUnary(let body) = h else { throw TestFailure("not inline") }
        return try [UInt8(7)].withUnsafeBytes { try body($0, ctx) }
    }

    func callTask(_ h: MethodHandler, _ ctx: ServerContext) async -> StatusCode {
        guard case .task(_, let body) = h else { return .internal }
        do { try await body(NullCallIO(), ctx); return .ok } catch { return (error as? RPCError)?.code ?? .unknown }
    }

    @Test func everyCallIsCountedByMethodAndOutcomeAndTimed() async throws {
        let metrics = RPCMetrics(registry: MetricsRegistry())
        let r = router().instrumented(metrics: metrics)
        #expect(try callInline(handler(r, Self.echo), ServerContext(method: Self.echo)) == [7])
        #expect(try await callTask(handler(r, Self.add), ServerContext(method: Self.add)) == .ok)
        #expect(try await callTask(handler(r, Self.fail), ServerContext(method: Self.fail)) == .notFound)
        #expect(metrics.method(Self.echo, type: .unary).counter(.ok).value == 1)
        #expect(metrics.method(Self.add, type: .unary).counter(.ok).value == 1)
        #expect(metrics.method(Self.fail, type: .serverStream).counter(.notFound).value == 1)
        #expect(metrics.method(Self.fail, type: .serverStream).counter(.ok).value == 0)
        #expect(metrics.method(Self.fail, type: .serverStream).latency.count == 1)
        #expect(r.routes.map { $0.handler.shape } == [.unary, .unary, .serverStreaming])
        #expect(metrics.method(Self.fail, type: .serverStream).startedCount == 1)
    }

    @Test func callsAreRecordedUnderTheGrpcEcosystemNamesAndLabels() async throws {
        let registry = MetricsRegistry()
        let r = router().instrumented(metrics: RPCMetrics(registry: registry))
        _ = try callInline(handler(r, Self.echo), ServerContext(method: Self.echo))
        _ = await callTask(try handler(r, Self.fail), ServerContext(method: Self.fail))
        let text = registry.render()
        for line in [#"grpc_server_started_total{grpc_method="Echo",grpc_service="t.S",grpc_type="unary"} 1"#,
                     #"grpc_server_handled_total{grpc_code="OK",grpc_method="Echo",grpc_service="t.S",grpc_type="unary"} 1"#,
                     #"grpc_server_handled_total{grpc_code="NotFound",grpc_method="Fail",grpc_service="t.S",grpc_type="server_stream"} 1"#,
                     #"grpc_server_handling_seconds_count{grpc_method="Fail",grpc_service="t.S",grpc_type="server_stream"} 1"#,
                     // Pre-created at zero, so a fresh service shows every method.
                     #"grpc_server_handled_total{grpc_code="OK",grpc_method="Add",grpc_service="t.S",grpc_type="unary"} 0"#] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
        #expect(StatusCode.deadlineExceeded.prometheusLabel == "DeadlineExceeded")
        #expect(StatusCode.cancelled.prometheusLabel == "Canceled")
        #expect(StatusCode.unauthenticated.prometheusLabel == "Unauthenticated")
    }

    @Test func protectedMethodsNeedAValidBearerToken() async throws {
        let metrics = RPCMetrics(registry: MetricsRegistry())
        let r = router().instrumented(metrics: metrics, auth: BearerTokenAuthenticator(tokens: ["s3cret"]),
                                      protected: [Self.add.path])
        let add = try handler(r, Self.add)
        #expect(await callTask(add, ServerContext(method: Self.add)) == .unauthenticated)
        let wrong = Metadata([("authorization", "Bearer nope")])
        #expect(await callTask(add, ServerContext(method: Self.add, requestMetadata: wrong)) == .permissionDenied)
        let right = Metadata([("authorization", "Bearer s3cret")])
        #expect(await callTask(add, ServerContext(method: Self.add, requestMetadata: right)) == .ok)
        // Unprotected methods need nothing.
        #expect(try callInline(handler(r, Self.echo), ServerContext(method: Self.echo)) == [7])
        let counts = metrics.method(Self.add, type: .unary)
        #expect([counts.counter(.unauthenticated).value, counts.counter(.permissionDenied).value,
                 counts.counter(.ok).value] == [1, 1, 1])
    }

    @Test func cancellationIsCountedAsCancelledOrDeadlineExceeded() async throws {
        let metrics = RPCMetrics(registry: MetricsRegistry())
        let r = router(failure: CancellationError()).instrumented(metrics: metrics)
        _ = await callTask(try handler(r, Self.fail), ServerContext(method: Self.fail))
        let expired = ServerContext(method: Self.fail, deadlineNanoseconds: 1)
        _ = await callTask(try handler(r, Self.fail), expired)
        let m = metrics.method(Self.fail, type: .serverStream)
        #expect(m.counter(.cancelled).value == 1)
        #expect(m.counter(.deadlineExceeded).value == 1)
        #expect(RPCRouter.code(of: TestFailure("x"), ServerContext(method: Self.fail)) == .unknown)
    }
}
