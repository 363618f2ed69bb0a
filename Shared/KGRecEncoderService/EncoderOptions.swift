import GRPCHTTP2
import KGRecServiceKit

/// The encoder's own settings (beside the common service options), with the defaults the
/// executable declares. Tests build it directly; `kgrec-encoder` reads it from flags and env.
public struct EncoderOptions: Sendable {
    /// Checkpoint (.safetensors) written by `kgrec train`.
    public var checkpoint = ""
    /// Dataset directory overriding the one recorded in the checkpoint (for the feature store).
    public var data: String?
    /// Most items in one Encode/EncodeStream request (more: INVALID_ARGUMENT).
    public var maxItems = 4096
    /// Threads encoding at once, across all calls (0 = one per core).
    public var workers = 0
    /// Items per unit of parallel work: a request larger than this is split across workers.
    public var chunkSize = 64
    /// EncodeStream requests encoded ahead of the one being written (pipelining).
    public var streamWindow = 4
    /// Sentence-encoder folder (scripts/fetch-minilm.sh) that embeds items' `raw_text`; nil = raw
    /// text is refused. Must be the model the checkpoint's text features came from.
    public var textModel: String?
    /// Most `raw_text` bytes of one item (more: INVALID_ARGUMENT).
    public var maxTextBytesPerItem = 16 * 1024
    /// Most `raw_text` bytes of one request, all items together (more: RESOURCE_EXHAUSTED).
    public var maxTextBytesPerRequest = 1 << 20

    public init() {}

    public static let configOptions: [ConfigOption] = {
        let d = EncoderOptions()
        return [
            .string("checkpoint", default: nil, required: true, help: "Checkpoint (.safetensors) written by kgrec train."),
            .string("data", default: nil,
                    help: "Dataset directory with the raw feature store (default: the one recorded in the checkpoint)."),
            .int("max-items", default: d.maxItems, help: "Most items per Encode request (more: INVALID_ARGUMENT)."),
            .int("workers", default: d.workers, help: "Threads encoding at once across all calls (0 = one per core)."),
            .int("chunk-size", default: d.chunkSize, help: "Items per parallel work unit within one request."),
            .int("stream-window", default: d.streamWindow,
                 help: "EncodeStream requests encoded ahead of the one being answered."),
            .string("text-model", default: nil,
                    help: "Sentence-encoder folder that embeds raw_text (the checkpoint's text model; default: refuse raw text)."),
            .int("max-text-bytes", default: d.maxTextBytesPerItem, help: "Most raw_text bytes per item (more: INVALID_ARGUMENT)."),
            .int("max-request-text-bytes", default: d.maxTextBytesPerRequest,
                 help: "Most raw_text bytes per request (more: RESOURCE_EXHAUSTED)."),
        ] + ServerLimitOptions.configOptions()
    }()

    public init(config: ServiceConfig) throws(ConfigError) {
        for name in ["max-items", "chunk-size", "stream-window", "max-text-bytes", "max-request-text-bytes"] {
            try config.check(name, expected: "a positive integer") { $0.int > 0 }
        }
        try config.check("workers", expected: "0 (one per core) or a positive integer") { $0.int >= 0 }
        checkpoint = config.string("checkpoint")
        data = config.optionalString("data")
        maxItems = config.int("max-items")
        workers = config.int("workers")
        chunkSize = config.int("chunk-size")
        streamWindow = config.int("stream-window")
        textModel = config.optionalString("text-model")
        maxTextBytesPerItem = config.int("max-text-bytes")
        maxTextBytesPerRequest = config.int("max-request-text-bytes")
    }

    /// `workers`, with 0 resolved to the core count.
    var resolvedWorkers: Int { workers > 0 ? workers : ServerConfig.coreCount }
}
