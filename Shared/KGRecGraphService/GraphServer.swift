import GRPCCore
import GRPCHTTP2
import GRPCInterop
import KGRecServiceKit
import KGRecWire
import Synchronization

/// A whole graph process minus `main`: the engine, a gRPC server hosting `kgrec.v1.Graph` and
/// `grpc.health.v1.Health`. The port is bound first with health ("" and `kgrec.v1.Graph`) and
/// readiness NOT_SERVING; the table is loaded in the background (checkpoint, dataset, log replay,
/// encoding, propagation) and only then do they turn SERVING. Draining marks them NOT_SERVING.
public final class GraphServer: Sendable {
    public let engine: GraphEngine
    public let server: GRPCServer
    public let health: HealthStatusRegistry
    let readiness: Readiness?
    let logger: Logger?
    let onLoadFailure: (@Sendable (any Error) -> Void)?
    private let loader = Mutex<Task<Void, Never>?>(nil)

    public init(engine: GraphEngine, serverConfig: ServerConfig, metrics: ServiceMetrics? = nil,
                auth: BearerTokenAuthenticator = .init(tokens: []), logger: Logger? = nil, readiness: Readiness? = nil,
                onLoadFailure: (@Sendable (any Error) -> Void)? = nil, reflection: Bool = true) {
        let health = HealthStatusRegistry(overall: .notServing)
        health.set(Kgrec_V1_Graph.name, .notServing)
        readiness?.setNotReady("loading checkpoint, log and embedding table")
        var router = RPCRouter(services: [GraphService(engine: engine, maxResponseBytes: serverConfig.maxSendMessageSize), HealthService(registry: health)])
        if reflection { router.registerReflection() }
        if let metrics {
            router = router.instrumented(metrics: metrics.rpc, auth: auth, protected: GraphService.protectedMethods,
                                         logger: logger)
        } else if auth.isEnabled {
            router = router.instrumented(metrics: ServiceMetrics().rpc, auth: auth, protected: GraphService.protectedMethods)
        }
        server = GRPCServer(router: router, config: serverConfig)
        self.engine = engine
        self.health = health
        self.readiness = readiness
        self.logger = logger
        self.onLoadFailure = onLoadFailure
    }

    /// Binds the gRPC port and starts loading the table (a failure is logged, leaves health
    /// NOT_SERVING and calls `onLoadFailure`). Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let port = try server.start()
        let task = Task { [self] in
            do {
                try await engine.load()
                health.set("", .serving)
                health.set(Kgrec_V1_Graph.name, .serving)
                readiness?.setReady()
            } catch {
                logger?.error("loading failed; staying NOT_SERVING", ["error": .string("\(error)")])
                readiness?.setNotReady("load failed: \(error)")
                onLoadFailure?(error)
            }
        }
        loader.withLock { $0 = task }
        return port
    }

    /// Waits until the background load has finished (successfully or not).
    public func waitUntilLoaded() async {
        let task = loader.withLock { $0 }
        await task?.value
    }

    /// Health NOT_SERVING, drain the server for up to `grace`, release the encoders.
    public func stop(grace: Duration) async {
        health.shutDown()
        await server.shutdown(grace: grace)
        loader.withLock { $0 }?.cancel()
        engine.close()
    }

    /// The lifecycle component for `ServiceRunner`.
    public func component(grace: Duration) -> ClosureComponent {
        ClosureComponent(name: "graph-grpc", start: { [self] in
            let port = try start()
            logger?.info("listening", ["port": .int(port)])
        }, drain: { [self] in
            await stop(grace: grace)
        }, forceStop: { [self] in
            await stop(grace: .zero)
        })
    }
}
