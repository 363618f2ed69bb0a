import GRPCHTTP2
import KGRecServiceKit

/// The graph service's own settings (beside the common service options), with the defaults the
/// executable declares. Tests build it directly; `kgrec-graph` reads it from flags and env.
public struct GraphOptions: DefaultedOptions {
    /// Checkpoint written by `kgrec train` (safetensors; model config and data options inside).
    public var checkpoint = ""
    /// Dataset directory overriding the one recorded in the checkpoint.
    public var data: String?
    /// Fused-item artifact written by `kgrec export` for this checkpoint: the trained items' encoder
    /// output read from disk instead of encoded at start.
    public var fusedItems: String?
    /// Encoder addresses `host:port`; batches are spread round-robin, UNAVAILABLE moves to the next.
    public var encoders: [String] = []
    /// Compute fused item vectors in-process instead of asking encoders.
    public var localEncoder = false
    /// Durable interaction log (created when missing, replayed at start).
    public var logPath = "kgrec-graph-interactions.log"
    /// At start, a log with more update records than this is compacted (its updates merged into
    /// as few records as possible, the file replaced atomically); 0 never compacts.
    public var logCompactRecords = 1000
    /// Items per EncodeStream request, and requests in flight at once (each on its own stream).
    public var encodeBatch = 256
    public var encodeConcurrency = 4
    /// Deadline of one encoder request; attempts per batch before the encoder counts as down.
    public var encoderTimeout: Duration = .seconds(30)
    public var encoderAttempts = 3
    /// HTTP/2 keepalive of the encoder channels.
    public var encoderKeepalive = ClientKeepalive()
    /// Embeddings per ExportEmbeddings message when the request says 0.
    public var exportBatch = 256
    /// Neighbours returned when a Neighbors request says 0.
    public var neighborLimit = 20
    /// Most ids (users + items) one GetEmbeddings call may ask for.
    public var maxIds = 16384
    /// Longest id (UTF-8 bytes) accepted in any request.
    public var maxIdBytes = 256
    /// AddInteractions requests waiting for their turn (the one running not counted).
    public var maxPendingUpdates = 64

    public init() {}

    /// The graph's options, each bound to its field (defaults are the fields' initial values).
    static let bound: [BoundOption<GraphOptions>] = [
        .string("checkpoint", \.checkpoint, required: true, help: "Checkpoint (.safetensors) written by kgrec train."),
        .optionalString("data", \.data, help: "Dataset directory (default: the one recorded in the checkpoint)."),
        .optionalString("fused-items", \.fusedItems,
                        help: "Fused-item artifact from kgrec export (skips encoding the trained items at start)."),
        BoundOption(.stringList("encoder", help: "Encoder service address host:port (repeat for several; load-balanced).")) {
            config, option, o throws(ConfigError) in
            o.encoders = try config.hostPorts(option.name).map(\.description)
        },
        .bool("local-encoder", \.localEncoder,
              help: "Compute fused item vectors in-process instead of calling encoder services."),
        .string("log", \.logPath, help: "Durable interaction log (fsynced append-only; replayed at start)."),
        .int("log-compact-records", \.logCompactRecords, .nonNegative,
             help: "At start, merge the log's update records when there are more than this (0: never)."),
        .int("encode-batch", \.encodeBatch, .positive, help: "Items per EncodeStream request."),
        .int("encode-concurrency", \.encodeConcurrency, .positive, help: "Encoder requests in flight at once."),
        .duration("encoder-timeout", \.encoderTimeout, help: "Deadline of one encoder request."),
        .int("encoder-attempts", \.encoderAttempts, .positive,
             help: "Attempts per encoder batch (each on the next encoder) before UNAVAILABLE."),
        .int("export-batch", \.exportBatch, .positive, help: "Embeddings per ExportEmbeddings message (request 0)."),
        .int("neighbor-limit", \.neighborLimit, .positive, help: "Neighbours per Neighbors reply (request 0)."),
        .int("max-ids", \.maxIds, .positive,
             help: "Most ids per GetEmbeddings call (more, or a repeated id: INVALID_ARGUMENT)."),
        .int("max-id-bytes", \.maxIdBytes, .positive,
             help: "Longest user, item or entity id in bytes (longer: INVALID_ARGUMENT)."),
        .int("max-pending-updates", \.maxPendingUpdates, .positive,
             help: "AddInteractions requests queued behind the running one (more: RESOURCE_EXHAUSTED)."),
        BoundOption(.authToken) { _, _, _ in },  // read by ServiceEnvironment (the router's auth)
    ] + ClientKeepalive.bound(peer: "encoder").map { $0.lifted(\.encoderKeepalive) }

    public static let configOptions: [ConfigOption] = bound.configOptions() + ServerLimitOptions.configOptions()

    /// Reads and checks the options declared in `bound`.
    public init(config: ServiceConfig) throws(ConfigError) {
        self.init()
        try Self.bound.read(config, into: &self)
        if encoders.isEmpty && !localEncoder {
            throw ConfigError(.conflictingOptions, "no encoder: give --encoder host:port (or env KGREC_GRAPH_ENCODER), "
                              + "or --local-encoder to compute fused vectors in-process")
        }
    }
}
