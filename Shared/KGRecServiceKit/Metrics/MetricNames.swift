/// The standard metric names every KGRec service exposes (documented in docs/operations.md).
public enum MetricNames {
    /// Counter `{grpc_method, grpc_service, grpc_type}`: RPCs whose handler started
    /// (grpc-ecosystem name, like the go-grpc-prometheus one).
    public static let grpcServerStarted = "grpc_server_started_total"
    /// Counter `{grpc_code, grpc_method, grpc_service, grpc_type}`: finished RPCs by status.
    public static let grpcServerHandled = "grpc_server_handled_total"
    /// Histogram `{grpc_method, grpc_service, grpc_type}`: seconds from the handler's start to its end.
    public static let grpcServerHandlingSeconds = "grpc_server_handling_seconds"
    /// Counters: embedding cache look-ups that hit / missed.
    public static let cacheHits = "kgrec_cache_hits_total"
    public static let cacheMisses = "kgrec_cache_misses_total"
    /// Gauge: the graph embedding table version served (graph) or cached (ranker).
    public static let graphTableVersion = "kgrec_graph_table_version"
    /// Gauge: 1 when the service reports ready, else 0.
    public static let ready = "kgrec_ready"
    /// Process gauges, with the names Prometheus client libraries use.
    public static let residentMemory = "process_resident_memory_bytes"
    public static let openFDs = "process_open_fds"
    public static let startTime = "process_start_time_seconds"
    public static let uptime = "kgrec_uptime_seconds"
}
