import GRPCCore
import GRPCHTTP2
import KGRecServiceKit
import KGRecWire

/// The ranker as a `HostedService`: `kgrec.v1.Ranker` over its engine and graph channel; `load`
/// warms the item catalogue from the graph (retrying until it answers; health NOT_SERVING until
/// then, callers get UNAVAILABLE "warming up"); `stop` ends the background work and the channel.
/// `ServiceHost<HostedRanker>` is the whole process.
public struct HostedRanker: HostedService {
    public let engine: RankerEngine
    private let channel: GRPCChannel
    private let warm: EventCounter

    /// Throws `RuntimeError` when `options.graphTarget` is not `host:port`.
    public init(options: RankerOptions, metrics: ServiceMetrics, logger: Logger) throws {
        var clientConfig = ClientConfig()
        clientConfig.connectTimeout = min(clientConfig.connectTimeout, options.graphTimeout)
        options.graphKeepalive.apply(to: &clientConfig)
        clientConfig.maxReceiveMessageSize = max(clientConfig.maxReceiveMessageSize, MessageLimits.internalChannel)
        let channel = try GRPCChannel(target: options.graphTarget, config: clientConfig)
        let warm = EventCounter()
        engine = RankerEngine(options: options, channel: channel, metrics: RankerMetrics(service: metrics),
                              logger: logger) { warm.signal("catalogue warm") }
        self.channel = channel
        self.warm = warm
    }

    public init(options: RankerOptions, env: ServiceEnvironment) throws {
        try self.init(options: options, metrics: env.metrics, logger: env.logger)
    }

    public var healthName: String { Kgrec_V1_Ranker.name }
    public var loadingReason: String { "warming item catalogue from the graph service" }
    public var listeningDetail: (key: String, value: LogValue)? { ("graph", .string(engine.options.graphTarget)) }

    public func services(serverConfig: ServerConfig) -> [any RPCService] { [RankerService(engine: engine)] }

    public func load() async throws {
        engine.start()
        await warm.wait(untilCount: 1)
    }

    public func stop() async {
        engine.stop()
        channel.close()
    }
}
