import GRPCCore
import GRPCHTTP2

/// What a service library gives `ServiceHost`: its gRPC services and the work that must finish
/// before it can serve. The host adds health, reflection, metrics, auth and the lifecycle, so a
/// service is a spec (`Protos/`), a handler (`RPCService`), one conformance and a short `main`
/// (docs/services.md "Adding a service").
public protocol HostedService: Sendable {
    /// The fully qualified gRPC service name health reports, e.g. `kgrec.v1.Encoder`.
    var healthName: String { get }
    /// What readiness (`/healthz`) says until `load` returns, e.g. `"loading checkpoint"`.
    var loadingReason: String { get }
    /// The services to route (the host adds `grpc.health.v1.Health` and reflection).
    func services(serverConfig: ServerConfig) -> [any RPCService]
    /// Method paths that need a bearer token when auth is on (mutating RPCs).
    var protectedMethods: Set<String> { get }
    /// One extra field of the `listening` log line, e.g. the worker count.
    var listeningDetail: (key: String, value: LogValue)? { get }
    /// Start-up work, run in the background once the port is bound (health NOT_SERVING
    /// meanwhile); when it returns health and readiness turn SERVING. A throw is logged,
    /// leaves them NOT_SERVING and reaches the host's `onLoadFailure`.
    func load() async throws
    /// After the server has drained: stop background work, close downstream channels.
    func stop() async
}

extension HostedService {
    public var protectedMethods: Set<String> { [] }
    public var listeningDetail: (key: String, value: LogValue)? { nil }
    public func stop() async {}
}
