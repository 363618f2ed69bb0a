import GRPCCore
import GRPCHTTP2
import GRPCInterop
import Synchronization

/// A whole service process minus `main`: one `HostedService` behind a gRPC server with
/// `grpc.health.v1.Health`, server reflection (unless turned off) and the instrumented router
/// (metrics, logs, auth). The port opens at once with health ("" and `healthName`) and readiness
/// NOT_SERVING; `load` runs in the background and only then do they turn SERVING. Stopping marks
/// them NOT_SERVING first, drains the server, then stops the service.
public final class ServiceHost<Hosted: HostedService>: Sendable {
    public let service: Hosted
    public let server: GRPCServer
    public let health: HealthStatusRegistry
    private let readiness: Readiness?
    private let logger: Logger?
    private let onLoadFailure: (@Sendable (any Error) -> Void)?
    private let loader = Mutex<Task<Void, Never>?>(nil)

    public init(_ service: Hosted, serverConfig: ServerConfig, metrics: ServiceMetrics = ServiceMetrics(),
                auth: BearerTokenAuthenticator = .init(tokens: []), logger: Logger? = nil,
                readiness: Readiness? = nil, reflection: Bool = true,
                onLoadFailure: (@Sendable (any Error) -> Void)? = nil)
    {
        let health = HealthStatusRegistry(overall: .notServing)
        health.set(service.healthName, .notServing)
        readiness?.setNotReady(service.loadingReason)
        var router = RPCRouter(services: service.services(serverConfig: serverConfig) + [HealthService(registry: health)])
        if reflection { router.registerReflection() }
        server = GRPCServer(router: router.instrumented(metrics: metrics.rpc, auth: auth,
                                                        protected: service.protectedMethods, logger: logger),
                            config: serverConfig)
        self.service = service
        self.health = health
        self.readiness = readiness
        self.logger = logger
        self.onLoadFailure = onLoadFailure
    }

    /// Binds the gRPC port and (unless `loading` is false, for tests that load by hand) starts
    /// `load` in the background. Returns the bound port.
    @discardableResult
    public func start(loading: Bool = true) throws -> Int {
        let port = try server.start()
        if loading { loadInBackground() }
        return port
    }

    /// Runs `service.load()` in the background (what `start` does after binding).
    public func loadInBackground() {
        let task = Task { [self] in
            do {
                try await service.load()
                if Task.isCancelled { return }
                markServing()
            } catch {
                logger?.error("loading failed; staying NOT_SERVING", ["error": .string("\(error)")])
                readiness?.setNotReady("load failed: \(error)")
                onLoadFailure?(error)
            }
        }
        loader.withLock { $0 = task }
    }

    /// Health ("" and `healthName`) and readiness SERVING.
    public func markServing() {
        health.set("", .serving)
        health.set(service.healthName, .serving)
        readiness?.setReady()
    }

    /// Waits until the background load has finished (successfully or not).
    public func waitUntilLoaded() async {
        let task = loader.withLock { $0 }
        await task?.value
    }

    /// Health NOT_SERVING, drain the server for up to `grace`, stop loading, stop the service.
    public func stop(grace: Duration) async {
        health.shutDown()
        await server.shutdown(grace: grace)
        loader.withLock { $0 }?.cancel()
        await service.stop()
    }

    /// The lifecycle component for `ServiceRunner`: bind and load; drain on stop.
    public func component(grace: Duration) -> ClosureComponent {
        ClosureComponent(name: "grpc-server", start: { [self] in
            let port = try start()
            if let detail = service.listeningDetail {
                logger?.info("listening", ["port": .int(port), detail.key: detail.value])
            } else {
                logger?.info("listening", ["port": .int(port)])
            }
        }, drain: { [self] in
            await stop(grace: grace)
        }, forceStop: { [self] in
            await stop(grace: .zero)
        })
    }
}
