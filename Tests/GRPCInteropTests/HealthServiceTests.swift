import GRPCCore
import KGRecServiceKit
import KGRecWire
import Testing

@Suite struct HealthServiceTests {
    typealias Method = Grpc_Health_V1_Health.Method

    @Test func checkAnswersKnownServicesAndNotFoundOtherwise() async throws {
        let registry = HealthStatusRegistry()
        registry.set("kgrec.v1.Ranker", .notServing)
        let service = HealthService(registry: registry)
        let ok = try await run(service, Method.check,
                               requests: [Grpc_Health_V1_HealthCheckRequest(service: "kgrec.v1.Ranker").serializedBytes()])
        #expect(try Grpc_Health_V1_HealthCheckResponse(serializedBytes: ok.responses[0]).status == .notServing)
        await #expect(throws: RPCError(.notFound, "unknown service 'nope'")) {
            _ = try await run(service, Method.check,
                              requests: [Grpc_Health_V1_HealthCheckRequest(service: "nope").serializedBytes()])
        }
    }

    @Test func watchStreamsUntilCancelled() async throws {
        let registry = HealthStatusRegistry()
        let service = HealthService(registry: registry)
        let task = Task {
            try await run(service, Method.watch,
                          requests: [Grpc_Health_V1_HealthCheckRequest(service: "").serializedBytes()])
        }
        // Wait (without a clock) until the watch is registered, then change the status.
        while registry.watcherCount == 0 { await Task.yield() }
        registry.set("", .notServing)
        task.cancel()
        let result = await task.result
        #expect(throws: RPCError.self) { try result.get() }
        #expect(registry.watcherCount == 0)
    }
}
