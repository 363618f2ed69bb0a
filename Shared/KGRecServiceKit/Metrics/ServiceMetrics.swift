/// The standard metrics of one KGRec service on one registry: RPCs, cache, table version,
/// readiness and process gauges. Services add their own families to `registry`.
public final class ServiceMetrics: Sendable {
    public let registry: MetricsRegistry
    public let rpc: RPCMetrics
    public let cacheHits: Counter
    public let cacheMisses: Counter
    public let graphTableVersion: Gauge

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        rpc = RPCMetrics(registry: registry)
        cacheHits = registry.counter(MetricNames.cacheHits, help: "Embedding cache hits.")
        cacheMisses = registry.counter(MetricNames.cacheMisses, help: "Embedding cache misses.")
        graphTableVersion = registry.gauge(MetricNames.graphTableVersion,
                                           help: "Version of the graph embedding table served or cached.")
        ProcessMetrics.register(in: registry)
    }
}
