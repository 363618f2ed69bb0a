import GRPCCore
import GRPCHTTP2
import GRPCInterop
import KGRecServiceKit
import KGRecWire

/// A whole encoder process minus `main`: the engine and a gRPC server hosting `kgrec.v1.Encoder`
/// and `grpc.health.v1.Health`. The port opens at once; health ("" and `kgrec.v1.Encoder`) and
/// readiness stay NOT_SERVING until the checkpoint is loaded in the background.
public final class EncoderServer: Sendable {
    public let engine: EncoderEngine
    public let server: GRPCServer
    public let health: HealthStatusRegistry
    private let readiness: Readiness?
    private let logger: Logger

    public init(engine: EncoderEngine, serverConfig: ServerConfig, metrics: ServiceMetrics, logger: Logger,
                readiness: Readiness? = nil, reflection: Bool = true)
    {
        let health = HealthStatusRegistry(overall: .notServing)
        health.set(Kgrec_V1_Encoder.name, .notServing)
        readiness?.setNotReady("loading checkpoint")
        var router = RPCRouter(services: [EncoderService(engine: engine), HealthService(registry: health)])
        if reflection { router.registerReflection() }
        server = GRPCServer(router: router.instrumented(metrics: metrics.rpc, logger: logger), config: serverConfig)
        self.engine = engine
        self.health = health
        self.readiness = readiness
        self.logger = logger
    }

    /// Binds the port. Returns the bound port.
    @discardableResult
    public func start() throws -> Int { try server.start() }

    /// Marks the server SERVING (after `engine` has a model).
    public func markServing() {
        health.set("", .serving)
        health.set(Kgrec_V1_Encoder.name, .serving)
        readiness?.setReady()
    }

    /// Loads the checkpoint, then serves; on failure logs the error and calls `onFailure`.
    public func loadInBackground(onFailure: @escaping @Sendable (any Error) -> Void) {
        Task { [self] in
            let start = ContinuousClock.now
            do {
                try await engine.load()
                let m = engine.model!
                logger.info("checkpoint loaded", ["checkpoint": .string(engine.options.checkpoint),
                                                  "model_version": .string(m.modelVersion),
                                                  "items": .int(m.dataset.itemCount),
                                                  "channels": .string(m.channelNames.joined(separator: ",")),
                                                  "seconds": .double(Self.seconds(ContinuousClock.now - start))])
                markServing()
            } catch {
                logger.error("cannot load checkpoint", ["checkpoint": .string(engine.options.checkpoint),
                                                        "error": .string("\(error)")])
                onFailure(error)
            }
        }
    }

    public func stop(grace: Duration) async {
        health.shutDown()
        await server.shutdown(grace: grace)
    }

    /// The lifecycle component for `ServiceRunner`: bind, then load in the background.
    public func component(grace: Duration, onLoadFailure: @escaping @Sendable (any Error) -> Void) -> ClosureComponent {
        ClosureComponent(name: "encoder-grpc", start: { [self] in
            let port = try start()
            logger.info("listening", ["port": .int(port), "workers": .int(engine.pool.width)])
            loadInBackground(onFailure: onLoadFailure)
        }, drain: { [self] in
            await stop(grace: grace)
        }, forceStop: { [self] in
            await stop(grace: .zero)
        })
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
