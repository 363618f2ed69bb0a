import GRPCCore
import GRPCHTTP2
import GRPCInterop
import KGRecServiceKit
import KGRecWire

/// A whole ranker process minus `main`: the engine, its graph channel, and a gRPC server hosting
/// `kgrec.v1.Ranker`, `grpc.health.v1.Health` and (unless turned off) server reflection. Health ("" and `kgrec.v1.Ranker`) and readiness
/// stay NOT_SERVING until the item catalogue is warm; draining marks them NOT_SERVING first.
public final class RankerServer: Sendable {
    public let engine: RankerEngine
    public let server: GRPCServer
    public let health: HealthStatusRegistry
    private let channel: GRPCChannel

    /// Throws `RuntimeError` when `options.graphTarget` is not `host:port`.
    public init(options: RankerOptions, serverConfig: ServerConfig, metrics: ServiceMetrics,
                logger: Logger, readiness: Readiness? = nil, reflection: Bool = true) throws
    {
        let health = HealthStatusRegistry(overall: .notServing)
        health.set(Kgrec_V1_Ranker.name, .notServing)
        readiness?.setNotReady("warming item catalogue from the graph service")
        var clientConfig = ClientConfig()
        clientConfig.connectTimeout = min(clientConfig.connectTimeout, options.graphTimeout)
        options.graphKeepalive.apply(to: &clientConfig)
        clientConfig.maxReceiveMessageSize = max(clientConfig.maxReceiveMessageSize, 64 << 20)
        let channel = try GRPCChannel(target: options.graphTarget, config: clientConfig)
        engine = RankerEngine(options: options, channel: channel, metrics: RankerMetrics(service: metrics),
                              logger: logger) {
            health.set("", .serving)
            health.set(Kgrec_V1_Ranker.name, .serving)
            readiness?.setReady()
        }
        var router = RPCRouter(services: [RankerService(engine: engine), HealthService(registry: health)])
        if reflection { router.registerReflection() }
        server = GRPCServer(router: router.instrumented(metrics: metrics.rpc, logger: logger), config: serverConfig)
        self.health = health
        self.channel = channel
    }

    /// Binds the gRPC port and starts warming the catalogue. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let port = try server.start()
        engine.start()
        return port
    }

    /// Health NOT_SERVING, drain the server for up to `grace`, stop background work.
    public func stop(grace: Duration) async {
        health.shutDown()
        await server.shutdown(grace: grace)
        engine.stop()
        channel.close()
    }

    /// The lifecycle component for `ServiceRunner`.
    public func component(grace: Duration, logger: Logger) -> ClosureComponent {
        ClosureComponent(name: "ranker-grpc", start: { [self] in
            let port = try start()
            logger.info("listening", ["port": .int(port), "graph": .string(engine.options.graphTarget)])
        }, drain: { [self] in
            await stop(grace: grace)
        }, forceStop: { [self] in
            await stop(grace: .zero)
        })
    }
}
