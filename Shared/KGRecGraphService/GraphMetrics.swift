import KGRecServiceKit

/// The graph service's own metrics beside the common RPC ones.
public struct GraphMetrics: Sendable {
    /// `kgrec_graph_table_version`: the version served.
    public let tableVersion: Gauge
    /// `kgrec_graph_log_records`: records in the durable interaction log.
    public let logRecords: Gauge
    /// `kgrec_graph_recompute_seconds`: time to rebuild the table (encode + propagate).
    public let recomputeSeconds: Histogram
    /// `kgrec_graph_users` / `kgrec_graph_items`: table sizes.
    public let users: Gauge
    public let items: Gauge
    /// `kgrec_graph_encoded_items_total`: items sent through the encoder stage for table builds.
    public let encodedItems: Counter

    public init(service: ServiceMetrics) {
        tableVersion = service.graphTableVersion
        let r = service.registry
        logRecords = r.gauge("kgrec_graph_log_records", help: "Records in the durable interaction log.")
        recomputeSeconds = r.histogram("kgrec_graph_recompute_seconds",
                                       help: "Seconds to rebuild the embedding table (encode + propagate).",
                                       buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120])
        users = r.gauge("kgrec_graph_users", help: "Users in the embedding table.")
        encodedItems = r.counter("kgrec_graph_encoded_items_total",
                                 help: "Items sent through the encoder stage (start and updates).")
        items = r.gauge("kgrec_graph_items", help: "Items in the embedding table.")
    }
}
