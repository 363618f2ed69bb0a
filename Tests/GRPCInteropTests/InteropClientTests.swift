import GRPCCore
import GRPCHTTP2
import KGRecServiceKit
import KGRecWire
import Testing
@testable import GRPCInterop

/// Our interop client against our interop server over a real loopback socket: every case
/// passes; against a server that gets things wrong, the cases notice.
@Suite struct InteropClientTests {
    func withServer(_ services: [any RPCService], _ body: (InteropClient) async throws -> Void) async throws {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.eventLoops = 1
        let server = GRPCServer(services: services, config: config)
        let port = try server.start()
        let channel = GRPCChannel(host: "127.0.0.1", port: port)
        var client = InteropClient(channel: channel)
        client.callTimeout = .seconds(10)
        do {
            try await body(client)
        } catch {
            channel.close()
            await server.shutdown(grace: .zero)
            throw error
        }
        channel.close()
        await server.shutdown(grace: .zero)
    }

    @Test func everyCasePassesAgainstOurServer() async throws {
        try await withServer([TestService(), HealthService(registry: HealthStatusRegistry())]) { client in
            for c in InteropCase.allCases {
                let failure = await client.run(c)
                #expect(failure == nil, "\(c.rawValue): \(failure?.reason ?? "")")
            }
        }
    }

    @Test func casesCatchAServerThatGetsThingsWrong() async throws {
        try await withServer([WrongTestService()]) { client in
            let large = await client.run(.largeUnary)
            #expect(large?.code == .wrongResponse, "\(large?.reason ?? "passed")")
            let status = await client.run(.statusCodeAndMessage)
            #expect(status?.code == .unexpectedSuccess, "\(status?.reason ?? "passed")")
            let metadata = await client.run(.customMetadata)
            #expect(metadata?.code == .wrongResponse, "\(metadata?.reason ?? "passed")")
            // WrongTestService implements UnimplementedCall, which it must not.
            let unimplemented = await client.run(.unimplementedMethod)
            #expect(unimplemented?.code == .unexpectedSuccess, "\(unimplemented?.reason ?? "passed")")
        }
    }

    @Test func healthWatchOverTheWireStreamsChangesAndIsReleasedOnCancel() async throws {
        let registry = HealthStatusRegistry()
        try await withServer([HealthService(registry: registry)]) { client in
            let call = client.channel.serverStreaming(
                Grpc_Health_V1_Health.Method.watch, request: Grpc_Health_V1_HealthCheckRequest(service: ""),
                responseType: Grpc_Health_V1_HealthCheckResponse.self, options: CallOptions(timeout: .seconds(10)))
            var updates = call.makeAsyncIterator()
            #expect(try await updates.next()?.status == .serving)
            registry.set("", .notServing)
            #expect(try await updates.next()?.status == .notServing)
            call.cancel()
            await #expect(throws: RPCError.self) { _ = try await updates.next() }
            // The server drops its watcher once the cancellation reaches the handler.
            for _ in 0..<10_000 where registry.watcherCount > 0 { try await Task.sleep(for: .milliseconds(1)) }
            #expect(registry.watcherCount == 0)
        }
    }

    @Test func unreachableServerFailsWithUnavailable() async throws {
        // Bind and stop a server to get a port nothing listens on.
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.eventLoops = 1
        let server = GRPCServer(services: [], config: config)
        let port = try server.start()
        await server.shutdown(grace: .zero)
        let channel = GRPCChannel(host: "127.0.0.1", port: port)
        defer { channel.close() }
        let failure = await InteropClient(channel: channel).run(.emptyUnary)
        #expect(failure?.code == .callFailed, "\(failure?.reason ?? "passed")")
        #expect((failure?.cause as? RPCError)?.code == .unavailable)
    }
}

/// A TestService that answers one byte too many, ignores echo requests and implements
/// UnimplementedCall.
struct WrongTestService: RPCService {
    typealias Method = Grpc_Testing_TestService.Method

    func register(in router: inout RPCRouter) {
        router.unaryInline(Method.unaryCall) { (request: Grpc_Testing_SimpleRequest, context) in
            // One byte too many (except when metadata is sent, so custom_metadata reaches its echo check).
            let extra = context.requestMetadata.isEmpty ? 1 : 0
            return Grpc_Testing_SimpleResponse(payload: .init(body: [UInt8](repeating: 0, count: Int(request.responseSize) + extra)))
        }
        router.bidiStreaming(Method.fullDuplexCall) {
            (requests: RPCReader<Grpc_Testing_StreamingOutputCallRequest>, writer: RPCWriter<Grpc_Testing_StreamingOutputCallResponse>, _) in
            for try await request in requests {
                for p in request.responseParameters {
                    try await writer.write(.init(payload: .init(body: [UInt8](repeating: 0, count: Int(p.size)))))
                }
            }
        }
        router.unaryInline(Method.unimplementedCall) { (_: Grpc_Testing_Empty, _) in Grpc_Testing_Empty() }
    }
}
