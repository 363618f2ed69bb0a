import GRPCCore

/// `kgrec_rpc_requests_total{method,code}` and `kgrec_rpc_latency_seconds{method}`.
///
/// Per call: `let m = rpc.method("/kgrec.v1.Ranker/Score")` once at start-up, then
/// `m.record(code: .ok, seconds: t)` (two atomic adds and a CAS, no lock on the common path).
public final class RPCMetrics: Sendable {
    public let requests: MetricFamily<Counter>
    public let latency: MetricFamily<Histogram>

    public init(registry: MetricsRegistry, buckets: [Double] = Histogram.latencySeconds) {
        requests = registry.counterFamily(MetricNames.rpcRequests,
                                          help: "Finished RPCs by method and gRPC status code.",
                                          labels: ["method", "code"])
        latency = registry.histogramFamily(MetricNames.rpcLatency,
                                           help: "RPC latency in seconds, by method.",
                                           labels: ["method"], buckets: buckets)
    }

    /// The cached children for one method path.
    public func method(_ path: String) -> MethodMetrics {
        MethodMetrics(path: path, family: requests, latency: latency.labels(path))
    }

    /// Convenience for cold paths: looks the children up every time.
    public func record(method path: String, code: StatusCode, seconds: Double) {
        requests.labels(path, code.description).increment()
        latency.labels(path).observe(seconds)
    }
}
