import GRPCCore
import GRPCHTTP2
import Synchronization
import Testing
@testable import KGRecServiceKit

/// The instrumented router binds the call, so log lines carry its trace ids and calls made while
/// serving it continue the trace with this hop's span as the parent.
@Suite struct TracePropagationTests {
    static let front = MethodDescriptor(service: "t.Front", method: "Call")
    static let back = MethodDescriptor(service: "t.Back", method: "Echo")
    static let incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    /// JSON field `key` of one log line.
    static func field(_ line: String, _ key: String) -> String? {
        guard let r = line.range(of: "\"\(key)\":\"") else { return nil }
        return String(line[r.upperBound...].prefix { $0 != "\"" })
    }

    @Test func logLinesInsideACallCarryItsTraceAndOutsideDoNot() throws {
        let sink = MemoryLogSink()
        let logger = Logger(service: "t", level: .debug, sink: sink)
        var r = RPCRouter()
        r.register(Self.front, .inlineUnary { request, _ in
            logger.info("inside")
            return Array(request)
        })
        let instrumented = r.instrumented(metrics: RPCMetrics(registry: MetricsRegistry()), logger: logger)
        guard case .found(let route) = instrumented.lookup(path: Self.front.path),
              case .inlineUnary(let body) = route.handler else { throw TestFailure("no inline route") }
        let ctx = ServerContext(method: Self.front, requestMetadata: Metadata([("traceparent", Self.incoming)]))
        _ = try [UInt8(1)].withUnsafeBytes { try body($0, ctx) }
        logger.info("outside")
        let lines = sink.lines
        #expect(lines.count == 3)
        let inside = lines[0], rpc = lines[1]
        #expect(inside.contains(#""msg":"inside""#) && rpc.contains(#""msg":"rpc""#))
        for line in [inside, rpc] {
            #expect(Self.field(line, "trace_id") == "0af7651916cd43dd8448eb211c80319c")
            #expect(Self.field(line, "span_id") == ctx.trace.spanID)
            #expect(Self.field(line, "parent_span_id") == "b7ad6b7169203331")
        }
        #expect(rpc.contains(#""method":"/t.Front/Call","code":"OK""#))
        #expect(Self.field(lines[2], "trace_id") == nil)
    }

    @Test func aCallMadeWhileServingContinuesTheTraceWithANewSpan() async throws {
        let received = Mutex<[String]>([])
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        var backRouter = RPCRouter()
        backRouter.register(Self.back, .task(.unary) { io, context in
            received.withLock { $0.append(context.requestMetadata["traceparent"] ?? "-") }
            _ = try await io.receive()
            try await io.send([], initialMetadata: Metadata())
        })
        let backServer = GRPCServer(router: backRouter.instrumented(metrics: RPCMetrics(registry: MetricsRegistry())),
                                    config: config)
        let backPort = try backServer.start()
        let channel = GRPCChannel(host: "127.0.0.1", port: backPort)
        var frontRouter = RPCRouter()
        frontRouter.register(Self.front, .task(.unary) { io, context in
            _ = try await io.receive()
            _ = try await channel.unary(Self.back, request: RawMessage([]), responseType: RawMessage.self,
                                        options: CallOptions(timeout: .seconds(10)))
            try await io.send([], initialMetadata: Metadata())
        })
        let frontServer = GRPCServer(router: frontRouter.instrumented(metrics: RPCMetrics(registry: MetricsRegistry())),
                                     config: config)
        let frontPort = try frontServer.start()
        let client = GRPCChannel(host: "127.0.0.1", port: frontPort)
        _ = try await client.unary(Self.front, request: RawMessage([]), responseType: RawMessage.self,
                                   options: CallOptions(timeout: .seconds(10), metadata: Metadata([("traceparent", Self.incoming)])))
        // Outside any call, nothing is added.
        _ = try await channel.unary(Self.back, request: RawMessage([]), responseType: RawMessage.self,
                                    options: CallOptions(timeout: .seconds(10)))
        let got = received.withLock { $0 }
        #expect(got.count == 2)
        let parts = got[0].split(separator: "-").map(String.init)
        #expect(parts.count == 4 && parts[0] == "00" && parts[1] == "0af7651916cd43dd8448eb211c80319c" && parts[3] == "01")
        #expect(parts.count == 4 && parts[2] != "b7ad6b7169203331")  // the front hop's own span
        #expect(got[1] == "-")
        client.close()
        channel.close()
        await frontServer.shutdown(grace: .seconds(1))
        await backServer.shutdown(grace: .seconds(1))
    }
}
