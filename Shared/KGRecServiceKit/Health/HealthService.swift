import GRPCCore
import KGRecWire

/// `grpc.health.v1.Health` (grpc/grpc doc/health-checking.md) over a `HealthStatusRegistry`:
/// Check answers the current status or NOT_FOUND for an unknown service; Watch sends the current
/// status (SERVICE_UNKNOWN for an unknown service, without ending the call) and then each change,
/// never the same status twice in a row, until the client cancels or the registry shuts down
/// (then the call ends with OK after a final NOT_SERVING, so it does not hold up a drain).
public struct HealthService: RPCService {
    typealias Method = Grpc_Health_V1_Health.Method
    public let registry: HealthStatusRegistry

    public init(registry: HealthStatusRegistry) {
        self.registry = registry
    }

    public func register(in router: inout RPCRouter) {
        let registry = self.registry
        router.unaryInline(Method.check) { (request: Grpc_Health_V1_HealthCheckRequest, _) in
            guard let status = registry.status(of: request.service) else {
                throw RPCError(.notFound, "unknown service '\(request.service)'")
            }
            return Grpc_Health_V1_HealthCheckResponse(status: status)
        }
        router.serverStreaming(Method.watch) {
            (request: Grpc_Health_V1_HealthCheckRequest, writer: RPCWriter<Grpc_Health_V1_HealthCheckResponse>, context) in
            let updates = registry.watch(request.service)
            var last: HealthStatusRegistry.ServingStatus?
            for await status in updates {
                if context.isCancelled { break }
                if status == last { continue }
                last = status
                try await writer.write(Grpc_Health_V1_HealthCheckResponse(status: status))
            }
            // The stream ends on cancellation (an error) or when the registry shuts down (OK).
            if context.isCancelled || Task.isCancelled { throw RPCError(.cancelled, "watch cancelled") }
        }
    }
}
