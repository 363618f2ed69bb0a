import GRPCCore
import GRPCHTTP2
import KGRecServiceKit
import KGRecServing

/// The ranker's own settings (beside the common service options), with the defaults the
/// executable declares. Tests build it directly; `kgrec-ranker` reads it from flags and env.
public struct RankerOptions: DefaultedOptions {
    /// Graph service address, `host:port`.
    public var graphTarget = "127.0.0.1:50062"
    /// Byte budget of the user embedding cache (the item catalogue is held apart from it).
    public var cacheBytes = 256 << 20
    /// Downstream budget of a request whose caller sent no deadline (and the cap otherwise).
    public var graphTimeout: Duration = .seconds(2)
    /// HTTP/2 keepalive of the graph channel.
    public var graphKeepalive = ClientKeepalive()
    /// Kept back from the caller's deadline so our own reply still makes it in time.
    public var deadlineMargin: Duration = .milliseconds(10)
    /// Attempts per graph call on UNAVAILABLE (1 = no retry), all within the deadline.
    public var retryAttempts = 3
    /// First backoff; doubles per attempt up to `retryMaxBackoff`, with jitter.
    public var retryBackoff: Duration = .milliseconds(20)
    public var retryMaxBackoff: Duration = .milliseconds(500)
    /// Most ids in one coalesced GetEmbeddings call.
    public var maxFetchBatch = 256
    /// GetEmbeddings calls in flight at once; misses arriving meanwhile join the next batch.
    public var maxFetchesInFlight = 1
    /// How often the graph's table version is checked when no miss reveals it (0 = never).
    public var versionPollInterval: Duration = .seconds(2)
    /// Embeddings per ExportEmbeddings message when warming the catalogue.
    public var exportBatchSize = 512
    /// Largest `k` a Recommend may ask for, and most candidates in one Score.
    public var maxK = 1000
    public var maxCandidates = 10_000
    /// Longest user or item id (UTF-8 bytes) accepted; bounds what a miss batch sends the graph.
    public var maxIdBytes = 256
    /// ScoreStream requests in progress at once on one stream (answers still go out in order).
    public var streamWindow = 32
    /// How the item catalogue stores its values (what a scan reads; see `ScanPrecision`).
    public var precision: ScanPrecision = .fp32
    /// The approximate top-k index; nil = every Recommend scans the whole catalogue.
    public var ann: ANN? = ANN()
    /// Fraction of ANN-answered Recommends also answered exactly (in the background) to measure recall.
    public var recallProbeRate = 0.01
    /// A Score or Recommend whose user is cached (and whose ids are all known) is answered on the
    /// event loop that read it, without a task hop, when its scan reads at most this many bytes
    /// (Score: always); anything else runs as a task. 0 = every call runs as a task.
    public var inlineScanBytes = 4 << 20

    /// IVF index settings (see `IVFIndex`).
    public struct ANN: Sendable, Equatable {
        /// Catalogues smaller than this are always scanned exactly (and get no index).
        public var minItems = 20_000
        /// IVF lists; 0 = the first power of two n ≥ 16 with 2n² > items (at most 4096).
        public var lists = 0
        /// Lists probed per Recommend unless the request says otherwise.
        public var nprobe = 48
        /// Most bytes the index may hold (centroids + list boundaries); fewer lists when over.
        public var maxBytes = 64 << 20
        /// Train new centroids once more than this fraction of the items is new to them.
        public var retrainFraction = 0.1
        /// Refinement factor: with catalogue rows wider than int8, the probed lists are scanned over an
        /// int8 copy of the rows and the best `k × refine` are re-scored from the catalogue's rows
        /// (`TopKScan.refined`); 0 = scan the catalogue's rows themselves.
        public var refine = 8

        public init() {}

        /// The list count for a catalogue of `items` rows of `width`, nil = no index (too few
        /// items, or not even 16 lists fit in `maxBytes`).
        public func lists(items: Int, width: Int) -> Int? {
            guard items >= max(1, minItems), width > 0 else { return nil }
            var n = lists
            if n == 0 {
                n = 16
                while n < 4096 && n * n * 2 <= items { n *= 2 }
            }
            n = min(n, items)
            while n > 16 && IVFIndex.bytes(lists: n, width: width) > maxBytes { n /= 2 }
            return IVFIndex.bytes(lists: n, width: width) <= maxBytes ? n : nil
        }
    }

    public init() {}

    /// The most bytes one coalesced GetEmbeddings request can encode to: a batch holds at most
    /// `maxFetchBatch` distinct ids, or one caller's own ids when they alone are more (a Score: its
    /// user and up to `maxCandidates` items), each at most `maxIdBytes` long plus its field tag (1
    /// byte) and length varint. Defaults: 10 001 × (256 + 3) = 2 590 259 bytes.
    public var largestMissRequestBytes: Int {
        var varint = 1
        while maxIdBytes >> (7 * varint) > 0 { varint += 1 }
        return max(maxFetchBatch, 1 + maxCandidates) * (maxIdBytes + 1 + varint)
    }

    /// The ranker→graph channel's send limit, which every miss request must fit.
    public static let graphSendLimit = ClientConfig().maxSendMessageSize

    /// The ranker's options, each bound to its field (defaults are the fields' initial values).
    static let bound: [BoundOption<RankerOptions>] = [
        BoundOption(.string("graph", default: RankerOptions().graphTarget, help: "Graph service address host:port.")) {
            config, option, o throws(ConfigError) in
            o.graphTarget = try config.hostPorts(option.name)[0].description  // has a default: never empty
        },
        .size("cache-size", \.cacheBytes,
              help: "Byte budget of the user embedding cache (LRU, dropped when the graph version moves)."),
        .duration("graph-timeout", \.graphTimeout,
                  help: "Budget for graph calls when the caller sent no deadline (else the caller's deadline, capped by this)."),
        .duration("deadline-margin", \.deadlineMargin, help: "Time kept back from the caller's deadline when calling the graph."),
        .int("retry-attempts", \.retryAttempts, .positive,
             help: "Attempts per graph call on UNAVAILABLE (exponential backoff with jitter, within the deadline)."),
        .duration("retry-backoff", \.retryBackoff, help: "First retry backoff (doubles per attempt)."),
        .duration("retry-max-backoff", \.retryMaxBackoff, help: "Largest retry backoff."),
        .int("max-fetch-batch", \.maxFetchBatch, .positive, help: "Most ids in one coalesced GetEmbeddings call."),
        .int("max-fetches-in-flight", \.maxFetchesInFlight, .positive,
             help: "Concurrent GetEmbeddings calls; misses arriving meanwhile join the next batch."),
        .duration("version-poll-interval", \.versionPollInterval,
                  help: "How often to check the graph table version (0 disables polling)."),
        .int("export-batch-size", \.exportBatchSize, .positive, help: "Embeddings per message when warming the item catalogue."),
        .int("max-k", \.maxK, .positive, help: "Largest k accepted by Recommend."),
        .int("max-candidates", \.maxCandidates, .positive, help: "Most item ids accepted in one Score request."),
        .int("max-id-bytes", \.maxIdBytes, .positive, help: "Longest user or item id in bytes (longer: INVALID_ARGUMENT)."),
        .int("stream-window", \.streamWindow, .positive,
             help: "ScoreStream requests scored concurrently per stream (answers stay in request order)."),
        .choice("precision", \.precision, help: "Item catalogue values (int8: per-row, per-modality scales)."),
        .bool("ann", \.annEnabled,
              help: "Answer Recommend from an IVF index when the catalogue has at least --ann-min-items items."),
        .int("ann-min-items", \.annSettings.minItems, .positive, help: "Smallest catalogue that gets an IVF index."),
        .int("ann-lists", \.annSettings.lists, .nonNegative,
             help: "IVF lists (0 = the first power of two n >= 16 with 2n^2 > items, at most 4096)."),
        .int("ann-nprobe", \.annSettings.nprobe, .positive,
             help: "IVF lists scanned per Recommend unless the request sets nprobe (recall/speed knob)."),
        .int("ann-refine", \.annSettings.refine, .range(0...64),
             help: "ANN scans an int8 copy of the rows and re-scores the best k*N from the catalogue rows (0 = scan the rows)."),
        .size("ann-max-bytes", \.annSettings.maxBytes,
              help: "Most bytes the IVF index may hold (fewer lists beyond; none if even 16 do not fit)."),
        .size("inline-scan-bytes", \.inlineScanBytes,
              help: "Cached-user calls whose scan reads at most this many bytes are answered on the event loop (0 = none)."),
        .double("recall-probe-rate", \.recallProbeRate, .fraction,
                help: "Fraction of ANN Recommends also scored exactly in the background (recall@k gauge)."),
    ] + ClientKeepalive.bound(peer: "graph").map { $0.lifted(\.graphKeepalive) }

    /// The ranker-specific options (append them to `ConfigOption.common`).
    public static let configOptions: [ConfigOption] = bound.configOptions()
        + ServerLimitOptions.configOptions(maxMessageSize: MessageLimits.grpcDefault)

    /// Reads and checks the options declared in `bound`.
    public init(config: ServiceConfig) throws(ConfigError) {
        self.init()
        try Self.bound.read(config, into: &self)
        if largestMissRequestBytes > Self.graphSendLimit {
            throw ConfigError(.conflictingOptions,
                              "--max-fetch-batch \(maxFetchBatch), --max-candidates \(maxCandidates) and --max-id-bytes "
                              + "\(maxIdBytes) allow GetEmbeddings requests of \(largestMissRequestBytes) bytes, above the "
                              + "\(Self.graphSendLimit)-byte ranker→graph message limit: lower one of them")
        }
    }

    /// `ann` as the `--ann` switch and the `--ann-*` settings it keeps while off (for `bound`).
    private var annEnabled: Bool {
        get { ann != nil }
        set { ann = newValue ? (ann ?? ANN()) : nil }
    }
    private var annSettings: ANN {
        get { ann ?? ANN() }
        set { if ann != nil { ann = newValue } }
    }
}
