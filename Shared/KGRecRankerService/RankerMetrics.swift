import GRPCCore
import KGRecServiceKit
import KGRecServing
import Synchronization

/// The ranker's metrics on the service registry (RPC counters and latency are recorded by
/// `RPCRouter.instrumented`): cache hits/misses (standard counters) plus evictions, bytes and entries, the graph table
/// version, catalogue size, coalesced fetch batch sizes and downstream call errors.
public final class RankerMetrics: Sendable {
    public let service: ServiceMetrics
    let cacheEvictions: Counter
    let cacheBytes: Gauge
    let cacheEntries: Gauge
    let catalogueItems: Gauge
    let fetchBatchSize: Histogram
    let downstreamErrors: MetricFamily<Counter>
    private let lastEvictions = Mutex<Int>(0)

    public init(service: ServiceMetrics) {
        self.service = service
        let r = service.registry
        cacheEvictions = r.counter("kgrec_cache_evictions_total", help: "User embeddings evicted from the cache.")
        cacheBytes = r.gauge("kgrec_cache_bytes", help: "Bytes held by the user embedding cache.")
        cacheEntries = r.gauge("kgrec_cache_entries", help: "Embeddings held by the user embedding cache.")
        catalogueItems = r.gauge("kgrec_catalogue_items", help: "Items in the warmed item catalogue.")
        fetchBatchSize = r.histogram("kgrec_graph_fetch_batch_ids",
                                     help: "Ids per coalesced GetEmbeddings call.",
                                     buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        downstreamErrors = r.counterFamily("kgrec_downstream_errors_total",
                                           help: "Failed downstream call attempts by service, method and status.",
                                           labels: ["service", "method", "code"])
    }

    /// Mirrors the cache's own statistics into the registry before each scrape.
    func observe(cache: EmbeddingCache) {
        service.registry.addCollector { [self] in
            let s = cache.stats
            cacheBytes.set(s.bytes)
            cacheEntries.set(s.entries)
            let delta = lastEvictions.withLock { last in
                defer { last = s.evictions }
                return max(0, s.evictions - last)
            }
            if delta > 0 { cacheEvictions.increment(by: UInt64(delta)) }
        }
    }

    func downstreamError(_ method: MethodDescriptor, _ code: StatusCode) {
        downstreamErrors.labels("graph", method.method, code.description).increment()
    }
}
