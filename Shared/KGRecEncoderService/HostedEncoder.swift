import GRPCCore
import GRPCHTTP2
import KGRecServiceKit
import KGRecWire

/// The encoder as a `HostedService`: `kgrec.v1.Encoder` over its engine; `load` reads the
/// checkpoint (health NOT_SERVING until then). `ServiceHost<HostedEncoder>` is the whole process.
public struct HostedEncoder: HostedService {
    public let engine: EncoderEngine
    private let logger: Logger?

    public init(engine: EncoderEngine, logger: Logger? = nil) {
        self.engine = engine
        self.logger = logger
    }

    /// The engine from `options`, its metrics in `env`.
    public init(options: EncoderOptions, env: ServiceEnvironment) {
        self.init(engine: EncoderEngine(options: options, metrics: env.metrics), logger: env.logger)
    }

    public var healthName: String { Kgrec_V1_Encoder.name }
    public var loadingReason: String { "loading checkpoint" }
    public var listeningDetail: (key: String, value: LogValue)? { ("workers", .int(engine.pool.width)) }

    public func services(serverConfig: ServerConfig) -> [any RPCService] { [EncoderService(engine: engine)] }

    public func load() async throws {
        let start = ContinuousClock.now
        try await engine.load()
        let m = engine.model!
        logger?.info("checkpoint loaded", ["checkpoint": .string(engine.options.checkpoint),
                                           "model_version": .string(m.modelVersion),
                                           "items": .int(m.dataset.itemCount),
                                           "channels": .string(m.channelNames.joined(separator: ",")),
                                           "seconds": .double(Self.seconds(ContinuousClock.now - start))])
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
