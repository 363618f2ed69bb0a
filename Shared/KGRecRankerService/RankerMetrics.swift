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
    /// Recommend top-k time by how it was answered (the scan only, not the RPC).
    let exactSeconds: Histogram
    let annSeconds: Histogram
    let annIndexBytes: Gauge
    let annBuildSeconds: Gauge
    let annRecall: Gauge
    /// Recall probes sampled and run, and sampled but dropped (the idle-priority probe worker was
    /// still busy with the previous one).
    let recallProbesRun: Counter
    let recallProbesSkipped: Counter
    let catalogueBytes: Gauge
    /// Score / Recommend calls answered on the event loop (the rest ran as tasks).
    let inlineScore: Counter
    let inlineRecommend: Counter
    /// Recall probes of the current catalogue: (Σ recall, count).
    let recallSum = Mutex<(sum: Double, count: Int)>((0, 0))
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
        let fast: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]
        let topK = r.histogramFamily("kgrec_recommend_topk_seconds",
                                     help: "Recommend top-k selection time (scan or IVF probe + scan) by mode.",
                                     labels: ["mode"], buckets: fast)
        exactSeconds = topK.labels("exact")
        annSeconds = topK.labels("ann")
        annIndexBytes = r.gauge("kgrec_ann_index_bytes", help: "Bytes held by the IVF index (centroids + list bounds + the int8 codes it scans when refining).")
        annBuildSeconds = r.gauge("kgrec_ann_build_seconds", help: "Time to lay out the last catalogue's IVF index.")
        annRecall = r.gauge("kgrec_ann_recall_at_k",
                            help: "Mean recall@k of probed ANN Recommends against the exact scan (current catalogue).")
        let probes = r.counterFamily("kgrec_ann_recall_probes_total",
                                     help: "Sampled recall probes by outcome: run, or skipped because the previous one (idle priority) was still running.",
                                     labels: ["outcome"])
        recallProbesRun = probes.labels("run")
        recallProbesSkipped = probes.labels("skipped")
        catalogueBytes = r.gauge("kgrec_catalogue_bytes", help: "Bytes of the item matrix a full scan reads.")
        let inline = r.counterFamily("kgrec_inline_answers_total",
                                     help: "Calls answered on the event loop without a task (cached user, small scan).",
                                     labels: ["method"])
        inlineScore = inline.labels("Score")
        inlineRecommend = inline.labels("Recommend")
    }

    /// Records one recall probe; the gauge is the mean over the current catalogue's probes.
    func recordRecall(_ recall: Double) {
        recallProbesRun.increment()
        let mean = recallSum.withLock { s in
            s = (s.sum + recall, s.count + 1)
            return s.sum / Double(s.count)
        }
        annRecall.set(mean)
    }

    /// A new catalogue: its sizes, and the recall probes start over.
    func installed(_ c: ItemCatalogue) {
        catalogueItems.set(c.count)
        catalogueBytes.set(c.matrix.bytes)
        annIndexBytes.set((c.index?.bytes ?? 0) + (c.codes?.bytes ?? 0))
        annBuildSeconds.set(c.indexBuildSeconds)
        recallSum.withLock { $0 = (0, 0) }
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
