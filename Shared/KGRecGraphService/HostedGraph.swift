import GRPCCore
import GRPCHTTP2
import KGRecServiceKit
import KGRecWire

/// The graph service as a `HostedService`: `kgrec.v1.Graph` over its engine (AddInteractions
/// behind the bearer token when auth is on); `load` reads the checkpoint, dataset and log, encodes
/// and propagates (health NOT_SERVING until then); `stop` releases the encoders.
/// `ServiceHost<HostedGraph>` is the whole process.
public struct HostedGraph: HostedService {
    public let engine: GraphEngine

    public init(engine: GraphEngine) {
        self.engine = engine
    }

    /// The engine from `options`, with encoders over gRPC (or in-process with `--local-encoder`).
    /// Throws `RuntimeError` when an encoder address is not `host:port`.
    public init(options: GraphOptions, env: ServiceEnvironment) throws {
        let encoding: any ItemEncoding = options.localEncoder
            ? LocalItemEncoding()
            : try RemoteItemEncoding(targets: options.encoders, batchSize: options.encodeBatch,
                                     concurrency: options.encodeConcurrency, timeout: options.encoderTimeout,
                                     attempts: options.encoderAttempts, keepalive: options.encoderKeepalive,
                                     logger: env.logger)
        self.init(engine: GraphEngine(options: options, encoding: encoding, metrics: GraphMetrics(service: env.metrics),
                                      logger: env.logger))
    }

    public var healthName: String { Kgrec_V1_Graph.name }
    public var loadingReason: String { "loading checkpoint, log and embedding table" }
    public var protectedMethods: Set<String> { GraphService.protectedMethods }

    public func services(serverConfig: ServerConfig) -> [any RPCService] {
        [GraphService(engine: engine, maxResponseBytes: serverConfig.maxSendMessageSize)]
    }

    public func load() async throws { try await engine.load() }
    public func stop() async { engine.close() }
}
